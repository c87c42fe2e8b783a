namespace MtlSharp.NN.Optim;

/// <summary>Scalar bookkeeping shared by <see cref="Adam"/> and <see cref="AdamW"/>.</summary>
internal static class AdamMath
{
    public static void Validate(string name, float beta1, float beta2, float eps)
    {
        if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f) || !(eps >= 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), $"{name}: betas must be in [0, 1) and eps ≥ 0; got ({beta1}, {beta2}), {eps}.");
        }
    }

    /// <summary>Bias corrections in double (as PyTorch computes them in Python floats), then the fused loop.</summary>
    public static void Step(
        Span<float> value, ReadOnlySpan<float> grad, Span<float> m, Span<float> v,
        float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled, long step)
    {
        double bc1 = 1.0 - Math.Pow(beta1, step);
        double bc2 = 1.0 - Math.Pow(beta2, step);
        float stepSize = (float)(lr / bc1);
        float bc2Sqrt = (float)Math.Sqrt(bc2);
        float scale = decoupled ? (float)(1.0 - ((double)lr * weightDecay)) : 1f;
        FusedUpdates.Adam(value, grad, m, v, beta1, beta2, eps, decoupled ? 0f : weightDecay, scale, stepSize, bc2Sqrt);
    }
}
