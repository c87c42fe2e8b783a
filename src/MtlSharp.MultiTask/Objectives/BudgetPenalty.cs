using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

using MtlSharp.MultiTask.Models.Routing;

namespace MtlSharp.MultiTask.Objectives;

/// <summary>
/// The Gumbel-Matrix budget penalty λ·max(0, e_c − b) (paper Sec. III-D). Following the authors' code (spec A5, D3)
/// e_c is computed for the task of the current batch: e_c(t) = Σ_layers Σ_j P(z[t,j]=1) / (total components).
/// </summary>
public static class BudgetPenalty
{
    /// <summary>Expected active fraction e_c(t) (a plain number, for reporting).</summary>
    public static double ExpectedActiveFraction(IReadOnlyList<Tensor> layerLogits, int task)
    {
        ArgumentNullException.ThrowIfNull(layerLogits);
        double sum = 0;
        int total = 0;
        foreach (var l in layerLogits)
        {
            int comps = l.Shape[1];
            ReadOnlySpan<float> v = l.Span.Slice(task * comps * 2, comps * 2);
            for (int c = 0; c < comps; c++)
            {
                sum += StraightThroughGumbel.Probability(v, c);
            }

            total += comps;
        }

        return total == 0 ? 0 : sum / total;
    }

    /// <summary>
    /// λ·max(0, e_c(t) − b) as a differentiable scalar over the logits [T, C_l, 2] of every routed layer.
    /// </summary>
    public static Tensor Compute(IReadOnlyList<Tensor> layerLogits, int task, float budget, float lambda)
    {
        ArgumentNullException.ThrowIfNull(layerLogits);
        if (!(budget > 0 && budget <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(budget), $"Budget must lie in (0, 1], got {budget}.");
        }

        double e = ExpectedActiveFraction(layerLogits, task);
        var y = Tensor.Scratch(Shape.Scalar);
        bool over = e > budget;
        y.Span[0] = over ? (float)(lambda * (e - budget)) : 0f;
        var inputs = layerLogits.ToArray();
        return Autograd.ShouldRecord(inputs) ? y.WithGradFn(new PenaltyNode(inputs, task, lambda, over)) : y;
    }

    private sealed class PenaltyNode : Node
    {
        private readonly int _task;
        private readonly float _lambda;
        private readonly bool _over;

        public PenaltyNode(Tensor[] logits, int task, float lambda, bool over)
            : base(logits)
        {
            _task = task;
            _lambda = lambda;
            _over = over;
        }

        public override string Name => "BudgetPenalty";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            if (!_over)
            {
                return; // relu inactive: zero gradient
            }

            int total = 0;
            foreach (var l in Inputs)
            {
                total += l.Shape[1];
            }

            float scale = gradOutput[0] * _lambda / total;
            foreach (var l in Inputs)
            {
                Span<float> g = ctx.GradFor(l);
                if (g.IsEmpty)
                {
                    continue;
                }

                int comps = l.Shape[1];
                ReadOnlySpan<float> v = l.Span.Slice(_task * comps * 2, comps * 2);
                Span<float> row = g.Slice(_task * comps * 2, comps * 2);
                for (int c = 0; c < comps; c++)
                {
                    float p = 1f / (1f + MathF.Exp(v[(2 * c) + 1] - v[2 * c]));
                    float d = scale * p * (1f - p);
                    row[2 * c] += d;
                    row[(2 * c) + 1] -= d;
                }
            }
        }
    }
}
