namespace MtlSharp.NN.Optim;

/// <summary>
/// Cosine annealing (Loshchilov &amp; Hutter 2017, without restarts), PyTorch's <c>CosineAnnealingLR</c> closed
/// form: lr = η_min + (base − η_min) · (1 + cos(π · step / T_max)) / 2. Past T_max the cosine keeps going (as the
/// closed form does in PyTorch); clamp the step yourself to hold η_min.
/// </summary>
public sealed class CosineSchedule : ILearningRateSchedule
{
    /// <summary>Anneals from the base rate to <paramref name="etaMin"/> over <paramref name="tMax"/> steps.</summary>
    public CosineSchedule(long tMax, float etaMin = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tMax, 1L);
        if (!(etaMin >= 0f) || float.IsInfinity(etaMin))
        {
            throw new ArgumentOutOfRangeException(nameof(etaMin), $"CosineSchedule: etaMin must be finite and ≥ 0, got {etaMin}.");
        }

        TMax = tMax;
        EtaMin = etaMin;
    }

    /// <summary>Half period T_max, in steps.</summary>
    public long TMax { get; }

    /// <summary>Minimum rate η_min.</summary>
    public float EtaMin { get; }

    /// <inheritdoc />
    public float At(float baseLearningRate, long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return (float)(EtaMin + ((baseLearningRate - (double)EtaMin) * (1.0 + Math.Cos(Math.PI * step / TMax)) / 2.0));
    }
}
