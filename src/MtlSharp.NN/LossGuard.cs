using MtlSharp.Tensors;

namespace MtlSharp.NN;

/// <summary>Stops training at the first NaN/Inf loss instead of silently corrupting the parameters.</summary>
public static class LossGuard
{
    /// <summary>Returns <paramref name="value"/>, or throws <see cref="NonFiniteLossException"/> if it is NaN or infinite.</summary>
    public static float Check(float value, long step, int? task = null, string? lossName = null)
    {
        if (!float.IsFinite(value))
        {
            throw new NonFiniteLossException(value, step, task, lossName);
        }

        return value;
    }

    /// <summary>Checks a one-element loss tensor; returns its value.</summary>
    public static float Check(Tensor loss, long step, int? task = null, string? lossName = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return Check(loss.Item(), step, task, lossName);
    }

    /// <summary>Checks every task loss (index = task); returns their sum.</summary>
    public static float CheckAll(ReadOnlySpan<float> taskLosses, long step)
    {
        float sum = 0;
        for (int t = 0; t < taskLosses.Length; t++)
        {
            sum += Check(taskLosses[t], step, t);
        }

        return sum;
    }
}
