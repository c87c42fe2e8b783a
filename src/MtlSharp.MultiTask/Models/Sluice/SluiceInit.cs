namespace MtlSharp.MultiTask.Models.Sluice;

/// <summary>Initial values of the sluice α and β parameters (spec B4, D13).</summary>
public static class SluiceInit
{
    /// <summary>α [(M·S), (M·S)] row-major for <paramref name="tasks"/> M and <paramref name="subspaces"/> S.</summary>
    public static float[] Alpha(int tasks, int subspaces, AlphaInit scheme)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(subspaces);
        int n = tasks * subspaces;
        var a = new float[n * n];
        if (scheme == AlphaInit.Balanced || n == 1)
        {
            Array.Fill(a, scheme == AlphaInit.Balanced ? 1f / n : 1f);
            return a;
        }

        float off = 0.1f / (n - 1);
        for (int r = 0; r < n; r++)
        {
            for (int q = 0; q < n; q++)
            {
                a[(r * n) + q] = r == q ? 0.9f : off;
            }
        }

        return a;
    }

    /// <summary>β [M, K] row-major for <paramref name="tasks"/> M and <paramref name="layers"/> K.</summary>
    public static float[] Beta(int tasks, int layers, BetaInit scheme)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        var b = new float[tasks * layers];
        for (int m = 0; m < tasks; m++)
        {
            for (int k = 0; k < layers; k++)
            {
                b[(m * layers) + k] = scheme == BetaInit.Balanced || layers == 1
                    ? 1f / layers
                    : k == layers - 1 ? 0.9f : 0.1f / (layers - 1);
            }
        }

        return b;
    }
}
