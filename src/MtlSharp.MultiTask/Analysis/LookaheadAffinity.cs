namespace MtlSharp.MultiTask.Analysis;

/// <summary>
/// TAG's lookahead inter-task affinity (Fifty et al. 2021, "Efficiently Identifying Task Groupings for Multi-Task
/// Networks", Eq. 1): Z_{i→j} = 1 − L_j(θ_s − η∇_{θ_s}L_i, θ_j) / L_j(θ_s, θ_j) — how much one SGD step of the shared
/// parameters on task i's gradient alone, on the update's batch, lowers task j's loss (positive: i helps j).
/// </summary>
public static class LookaheadAffinity
{
    /// <summary>
    /// The affinities among the probed tasks: for each task i, the shared parameters are moved by −η·g_i and every
    /// task's loss measured with <paramref name="lookahead"/> (null: no move). Returns [i][j] over the probed tasks;
    /// NaN where a base loss is zero or not finite.
    /// </summary>
    public static double[][] Compute(IReadOnlyList<float[]> gradients, float learningRate, Func<float[]?, float[]> lookahead)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(lookahead);
        if (!(learningRate > 0) || float.IsInfinity(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The lookahead learning rate must be a positive number.");
        }

        int n = gradients.Count;
        float[] before = lookahead(null);
        var z = new double[n][];
        for (int i = 0; i < n; i++)
        {
            var move = new float[gradients[i].Length];
            System.Numerics.Tensors.TensorPrimitives.Multiply(gradients[i], -learningRate, move);
            float[] after = lookahead(move);
            z[i] = new double[n];
            for (int j = 0; j < n; j++)
            {
                z[i][j] = before[j] > 0 && float.IsFinite(before[j]) && float.IsFinite(after[j]) ? 1 - ((double)after[j] / before[j]) : double.NaN;
            }
        }

        return z;
    }
}
