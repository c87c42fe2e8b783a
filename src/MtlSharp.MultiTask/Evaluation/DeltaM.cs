using MtlSharp.Data.Tasks;

namespace MtlSharp.MultiTask.Evaluation;

/// <summary>
/// The multi-task gain Δm of Maninis et al. (2019) and Vandenhende et al. (2021):
/// Δm = (100 / T) · Σ_t (−1)^(l_t) · (M_m,t − M_b,t) / M_b,t, in percent, where M_b is the single-task baseline's
/// metric, and l_t = 1 when a lower value of task t's metric is better (0 when higher is). Sign: <b>positive means
/// better than the single-task baselines</b> on average. The tasks of the method that the baseline also has (by
/// name) are compared; a baseline of 0 makes a task's relative change undefined (it is skipped).
/// </summary>
public static class DeltaM
{
    /// <summary>Δm in percent over the tasks present in both (null when none is).</summary>
    public static double? Compute(IReadOnlyList<(string Name, double Value, bool HigherIsBetter)> method, IReadOnlyList<(string Name, double Value)> baseline)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(baseline);
        double sum = 0;
        int n = 0;
        foreach (var (name, value, higher) in method)
        {
            int b = -1;
            for (int i = 0; i < baseline.Count; i++)
            {
                if (baseline[i].Name == name)
                {
                    b = i;
                    break;
                }
            }

            if (b < 0 || baseline[b].Value == 0 || double.IsNaN(value) || double.IsNaN(baseline[b].Value))
            {
                continue;
            }

            double rel = (value - baseline[b].Value) / baseline[b].Value;
            sum += higher ? rel : -rel;
            n++;
        }

        return n == 0 ? null : 100.0 * sum / n;
    }

    /// <summary>Whether a larger value of the metric named <paramref name="metric"/> is better (by its reported name).</summary>
    public static bool HigherIsBetter(string metric) => metric is "accuracy" or "macro-f1" or "micro-f1";
}
