using MtlSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MtlSharp.NN.Optim;

/// <summary>Gradient clipping (PyTorch's <c>clip_grad_norm_</c>).</summary>
public static class GradClip
{
    /// <summary>
    /// Scales all gradients by min(1, maxNorm / (‖g‖ + 1e-6)) where ‖g‖ is the L2 norm over every gradient
    /// together, and returns ‖g‖ before clipping. Parameters without a gradient are ignored. A non-finite norm
    /// is returned as is (the gradients then become non-finite too, as in PyTorch; check with <see cref="LossGuard"/>).
    /// </summary>
    public static float ClipGlobalNorm(IEnumerable<Parameter> parameters, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        RequireMaxNorm(maxNorm);
        double sumSq = 0;
        foreach (var p in parameters)
        {
            if (p.HasGrad)
            {
                sumSq += FixedOrder.SumOfSquares(p.Grad);
            }
        }

        float norm = (float)Math.Sqrt(sumSq);
        float coef = ClipCoefficient(norm, maxNorm);
        if (coef < 1f)
        {
            foreach (var p in parameters)
            {
                if (p.HasGrad)
                {
                    TensorPrimitives.Multiply(p.Grad, coef, p.Grad);
                }
            }
        }

        return norm;
    }

    /// <summary>Clips the gradients of several groups together (e.g. model and router, as one global norm).</summary>
    public static float ClipGlobalNorm(IEnumerable<ParameterGroup> groups, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var all = new List<Parameter>();
        foreach (var g in groups)
        {
            all.AddRange(g.Parameters);
        }

        return ClipGlobalNorm(all, maxNorm);
    }

    /// <summary>Clips a flat gradient buffer (e.g. a packed group's <see cref="ParameterGroup.Grads"/>); returns its norm before clipping.</summary>
    public static float ClipGlobalNorm(Span<float> grads, float maxNorm)
    {
        RequireMaxNorm(maxNorm);
        float norm = (float)Math.Sqrt(FixedOrder.SumOfSquares(grads));
        float coef = ClipCoefficient(norm, maxNorm);
        if (coef < 1f)
        {
            TensorPrimitives.Multiply(grads, coef, grads);
        }

        return norm;
    }

    private static float ClipCoefficient(float norm, float maxNorm) => Math.Min(1f, maxNorm / (norm + 1e-6f));

    private static void RequireMaxNorm(float maxNorm)
    {
        if (!(maxNorm > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), $"ClipGlobalNorm: maxNorm must be > 0, got {maxNorm}.");
        }
    }
}
