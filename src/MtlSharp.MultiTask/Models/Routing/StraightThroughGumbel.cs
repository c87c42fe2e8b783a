using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// Straight-through Gumbel-Softmax sampling of one task's binary allocation row (Maziarz et al., Sec. III-B;
/// spec A2–A3): for logits v[t, c] = (a, b) and Gumbel noise g, the forward value is the hard
/// z = onehot(argmax(v + g))[0] ∈ {0, 1}, the backward pass differentiates y_soft = softmax((v + g)/τ)[0].
/// </summary>
public static class StraightThroughGumbel
{
    /// <summary>
    /// Samples z [C] for <paramref name="task"/> from <paramref name="logits"/> [T, C, 2]. One sample per
    /// (task, component) per call — the whole batch shares it, since each batch holds one task.
    /// </summary>
    public static Tensor Sample(Tensor logits, int task, float tau, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(rng);
        ShapeMismatchException.Require(logits.Rank == 3 && logits.Shape[2] == 2, "GumbelSample", "logits of shape [T, C, 2]", logits.Shape);
        int tasks = logits.Shape[0], comps = logits.Shape[1];
        if ((uint)task >= (uint)tasks)
        {
            throw new ArgumentOutOfRangeException(nameof(task), $"GumbelSample: task {task} outside [0, {tasks}).");
        }

        if (!(tau > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(tau), $"GumbelSample: temperature must be positive, got {tau}.");
        }

        var z = Tensor.Scratch(new Shape(comps));
        bool record = Autograd.ShouldRecord(logits);
        Tensor? soft = record ? Tensor.Scratch(new Shape(comps)) : null;
        ReadOnlySpan<float> v = logits.Span.Slice(task * comps * 2, comps * 2);
        Span<float> zs = z.Span;
        for (int c = 0; c < comps; c++)
        {
            float ga = Gumbel(rng), gb = Gumbel(rng);
            float pa = v[2 * c] + ga, pb = v[(2 * c) + 1] + gb;
            zs[c] = pa >= pb ? 1f : 0f;
            if (soft is not null)
            {
                // softmax((pa, pb)/τ)[0] = σ((pa − pb)/τ)
                soft.Span[c] = 1f / (1f + MathF.Exp(-(pa - pb) / tau));
            }
        }

        return record ? z.WithGradFn(new SampleNode(logits, task, tau, soft!)) : z;
    }

    /// <summary>The maximum-likelihood row (no noise): z[c] = 1 iff P(z=1) ≥ 0.5, i.e. a ≥ b.</summary>
    public static float[] MaximumLikelihood(Tensor logits, int task)
    {
        ArgumentNullException.ThrowIfNull(logits);
        int comps = logits.Shape[1];
        var row = new float[comps];
        ReadOnlySpan<float> v = logits.Span.Slice(task * comps * 2, comps * 2);
        for (int c = 0; c < comps; c++)
        {
            row[c] = v[2 * c] >= v[(2 * c) + 1] ? 1f : 0f;
        }

        return row;
    }

    /// <summary>P(z[t,c] = 1) = softmax(v[t,c])[0] for every task and component: [T][C].</summary>
    public static double[][] Probabilities(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        int tasks = logits.Shape[0], comps = logits.Shape[1];
        ReadOnlySpan<float> v = logits.Span;
        var p = new double[tasks][];
        for (int t = 0; t < tasks; t++)
        {
            p[t] = new double[comps];
            for (int c = 0; c < comps; c++)
            {
                p[t][c] = Probability(v, (t * comps) + c);
            }
        }

        return p;
    }

    /// <summary>P(z = 1) = softmax(a, b)[0] = σ(a − b) for allocation <paramref name="index"/> of a flat logit-pair buffer.</summary>
    internal static double Probability(ReadOnlySpan<float> pairs, int index) =>
        1.0 / (1.0 + Math.Exp(pairs[(2 * index) + 1] - pairs[2 * index]));

    private static float Gumbel(Rng rng) => -MathF.Log(-MathF.Log(rng.NextFloat() + 1e-20f) + 1e-20f);

    private sealed class SampleNode : Node
    {
        private readonly int _task;
        private readonly float _tau;
        private readonly Tensor _soft;

        public SampleNode(Tensor logits, int task, float tau, Tensor soft)
            : base(logits)
        {
            _task = task;
            _tau = tau;
            _soft = soft;
        }

        public override string Name => "GumbelSample";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> g = ctx.GradFor(Inputs[0]);
            if (g.IsEmpty)
            {
                return;
            }

            int comps = gradOutput.Length;
            Span<float> row = g.Slice(_task * comps * 2, comps * 2);
            ReadOnlySpan<float> s = _soft.Span;
            for (int c = 0; c < comps; c++)
            {
                // d s / d a = s(1−s)/τ, d s / d b = −s(1−s)/τ.
                float d = gradOutput[c] * s[c] * (1f - s[c]) / _tau;
                row[2 * c] += d;
                row[(2 * c) + 1] -= d;
            }
        }
    }
}
