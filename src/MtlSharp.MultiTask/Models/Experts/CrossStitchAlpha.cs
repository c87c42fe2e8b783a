using MtlSharp.MultiTask.Reporting;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// The α of a cross-stitch unit, shared by the dense and conv networks: one T × T matrix [T, T], or channel-wise
/// (Misra et al. 2016's per-channel variant) one per channel [C, T, T]; its initial value, its rows for the gate
/// statistics (averaged over channels) and the spread over channels for the report.
/// </summary>
internal static class CrossStitchAlpha
{
    /// <summary>
    /// The initial α: <paramref name="selfWeight"/> on the diagonal, (1 − selfWeight)/(T − 1) elsewhere (1 for a
    /// single task), [T, T]; channel-wise the same matrix for each of <paramref name="channels"/> channels [C, T, T].
    /// </summary>
    public static Tensor Initial(int tasks, float selfWeight, int channels, bool channelWise)
    {
        float other = tasks > 1 ? (1f - selfWeight) / (tasks - 1) : 0f;
        int copies = channelWise ? channels : 1;
        var a = new float[copies * tasks * tasks];
        for (int c = 0; c < copies; c++)
        {
            for (int t = 0; t < tasks; t++)
            {
                for (int s = 0; s < tasks; s++)
                {
                    a[(((c * tasks) + t) * tasks) + s] = t == s ? (tasks > 1 ? selfWeight : 1f) : other;
                }
            }
        }

        return channelWise ? Tensor.FromArray(a, channels, tasks, tasks) : Tensor.FromArray(a, tasks, tasks);
    }

    /// <summary>
    /// Adds α's row of every task to matrix <paramref name="matrix"/> of <paramref name="gates"/>: one row [1, T], or
    /// channel-wise each channel's row (C rows [C, T], so the statistics' mean is the mean over channels).
    /// </summary>
    public static void Record(GateStatistics gates, int matrix, Tensor alpha, int tasks)
    {
        for (int t = 0; t < tasks; t++)
        {
            gates.Add(matrix, t, 0, alpha.Rank == 2
                ? Ops.Slice(alpha, 0, t, 1)
                : Ops.Reshape(Ops.Slice(alpha, 1, t, 1), alpha.Shape[0], tasks));
        }
    }

    /// <summary>The mean over channels of a channel-wise α [C, T, T] (or α [T, T] itself), [T, T].</summary>
    public static float[,] Mean(ReadOnlySpan<float> alpha, int tasks)
    {
        int channels = alpha.Length / (tasks * tasks);
        var mean = new double[tasks, tasks];
        for (int c = 0; c < channels; c++)
        {
            for (int t = 0; t < tasks; t++)
            {
                for (int s = 0; s < tasks; s++)
                {
                    mean[t, s] += alpha[(((c * tasks) + t) * tasks) + s];
                }
            }
        }

        var result = new float[tasks, tasks];
        for (int t = 0; t < tasks; t++)
        {
            for (int s = 0; s < tasks; s++)
            {
                result[t, s] = (float)(mean[t, s] / channels);
            }
        }

        return result;
    }

    /// <summary>
    /// The report matrix of a channel-wise α [C, T, T]: per (t, s) the standard deviation of α[c, t, s] over the C
    /// channels (how far the channels' mixtures differ), labelled like the unit's α; <paramref name="what"/> names
    /// what the channels are (a conv unit's channels, a dense layer's units).
    /// </summary>
    public static NamedMatrix Spread(string unit, string what, ReadOnlySpan<float> alpha, int tasks, IReadOnlyList<string> taskNames)
    {
        int channels = alpha.Length / (tasks * tasks);
        var values = new double[tasks][];
        for (int t = 0; t < tasks; t++)
        {
            values[t] = new double[tasks];
            for (int s = 0; s < tasks; s++)
            {
                double sum = 0, squares = 0;
                for (int c = 0; c < channels; c++)
                {
                    sum += alpha[(((c * tasks) + t) * tasks) + s];
                }

                double mean = sum / channels;
                for (int c = 0; c < channels; c++)
                {
                    double d = alpha[(((c * tasks) + t) * tasks) + s] - mean;
                    squares += d * d;
                }

                values[t][s] = Math.Sqrt(squares / channels);
            }
        }

        return new NamedMatrix($"{unit}: standard deviation over its {channels} {what}", [.. taskNames], [.. taskNames], values);
    }
}
