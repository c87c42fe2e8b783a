using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// Straight-through Gumbel-Softmax over the rows of a logit matrix [R, K]: the forward value is one-hot at
/// argmax(l + g) per row (g standard Gumbel from the stream), the gradient that of s = softmax((l + g)/τ):
/// ∂L/∂l_k = s_k (γ_k − Σ_j s_j γ_j)/τ for the incoming gradient γ (Jang et al. 2017; as the Gumbel-Matrix router's
/// binary version, <see cref="Routing.StraightThroughGumbel"/>).
/// </summary>
internal static class StraightThroughCategorical
{
    /// <summary>One-hot samples [R, K] from <paramref name="logits"/> [R, K] at temperature <paramref name="tau"/>.</summary>
    public static Tensor Sample(Tensor logits, float tau, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int rows = logits.Shape[0], k = logits.Shape[1];
        var noise = new float[rows * k];
        for (int i = 0; i < noise.Length; i++)
        {
            noise[i] = -MathF.Log(-MathF.Log(rng.NextFloat() + 1e-20f) + 1e-20f);
        }

        return Sample(logits, tau, noise);
    }

    /// <summary>As <see cref="Sample(Tensor, float, Rng)"/> with the Gumbel draws given (row-major [R, K]).</summary>
    public static Tensor Sample(Tensor logits, float tau, ReadOnlySpan<float> noise)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ShapeMismatchException.Require(logits.Rank == 2 && noise.Length == logits.Length, "CategoricalSample", "logits [R, K] and as many Gumbel draws", logits.Shape);
        if (!(tau > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(tau), $"CategoricalSample: temperature must be positive, got {tau}.");
        }

        int rows = logits.Shape[0], k = logits.Shape[1];
        var z = Tensor.Scratch(logits.Shape);
        bool record = Autograd.ShouldRecord(logits);
        var soft = record ? new float[rows * k] : null;
        ReadOnlySpan<float> l = logits.Span;
        Span<float> zs = z.Span;
        zs.Clear();
        for (int r = 0; r < rows; r++)
        {
            int best = 0;
            float max = float.NegativeInfinity;
            for (int j = 0; j < k; j++)
            {
                float v = l[(r * k) + j] + noise[(r * k) + j];
                if (v > max)
                {
                    max = v;
                    best = j;
                }
            }

            zs[(r * k) + best] = 1f;
            if (soft is not null)
            {
                double sum = 0;
                for (int j = 0; j < k; j++)
                {
                    sum += Math.Exp((l[(r * k) + j] + noise[(r * k) + j] - max) / tau);
                }

                for (int j = 0; j < k; j++)
                {
                    soft[(r * k) + j] = (float)(Math.Exp((l[(r * k) + j] + noise[(r * k) + j] - max) / tau) / sum);
                }
            }
        }

        return record ? z.WithGradFn(new SampleNode(logits, tau, soft!, k)) : z;
    }

    /// <summary>The maximum-likelihood choice per row (argmax of the logits, first on ties).</summary>
    public static int[] ArgMax(ReadOnlySpan<float> logits, int rows, int k)
    {
        var best = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 1; j < k; j++)
            {
                if (logits[(r * k) + j] > logits[(r * k) + best[r]])
                {
                    best[r] = j;
                }
            }
        }

        return best;
    }

    private sealed class SampleNode(Tensor logits, float tau, float[] soft, int k) : Node(logits)
    {
        public override string Name => "CategoricalSample";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> g = ctx.GradFor(Inputs[0]);
            if (g.IsEmpty)
            {
                return;
            }

            for (int r = 0; r < gradOutput.Length / k; r++)
            {
                double dot = 0;
                for (int j = 0; j < k; j++)
                {
                    dot += soft[(r * k) + j] * gradOutput[(r * k) + j];
                }

                for (int j = 0; j < k; j++)
                {
                    g[(r * k) + j] += (float)(soft[(r * k) + j] * (gradOutput[(r * k) + j] - dot) / tau);
                }
            }
        }
    }
}
