namespace MtlSharp.NN.Optim;

/// <summary>
/// Step decay, PyTorch's <c>StepLR</c> closed form: lr = base · γ^⌊step / stepSize⌋.
/// </summary>
public sealed class StepSchedule : ILearningRateSchedule
{
    /// <summary>Decays by <paramref name="gamma"/> every <paramref name="stepSize"/> steps.</summary>
    public StepSchedule(long stepSize, float gamma = 0.1f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1L);
        if (!(gamma >= 0f) || float.IsInfinity(gamma))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), $"StepSchedule: gamma must be finite and ≥ 0, got {gamma}.");
        }

        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>Steps between decays.</summary>
    public long StepSize { get; }

    /// <summary>Multiplicative decay γ.</summary>
    public float Gamma { get; }

    /// <inheritdoc />
    public float At(float baseLearningRate, long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return (float)(baseLearningRate * Math.Pow(Gamma, step / StepSize));
    }
}
