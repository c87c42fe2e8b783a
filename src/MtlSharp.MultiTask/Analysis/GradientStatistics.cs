namespace MtlSharp.MultiTask.Analysis;

/// <summary>
/// Pairwise statistics of per-task gradients (rows of one length, or a slice of them): cosine similarity, whether a
/// pair conflicts (cosine below zero), and the magnitude similarity of Yu et al. 2020 (PCGrad, Def. 2):
/// Φ(g_i, g_j) = 2‖g_i‖‖g_j‖ / (‖g_i‖² + ‖g_j‖²), 1 for equal norms and near 0 when one dominates.
/// </summary>
public static class GradientStatistics
{
    /// <summary>The statistics over all pairs of <paramref name="rows"/>, restricted to values [start, start + length).</summary>
    /// <returns>See <see cref="Summarise"/>.</returns>
    public static (double MeanCosine, double ConflictFraction, double MeanMagnitudeSimilarity, double[][] Cosines) Pairwise(IReadOnlyList<float[]> rows, int start, int length)
    {
        var gram = new double[rows?.Count ?? 0][];
        for (int i = 0; i < gram.Length; i++)
        {
            gram[i] = new double[gram.Length];
        }

        AddGram(rows!, start, length, gram);
        return Summarise(gram);
    }

    /// <summary>Adds the dot products of every pair of <paramref name="rows"/> over values [start, start + length) to <paramref name="gram"/>.</summary>
    public static void AddGram(IReadOnlyList<float[]> rows, int start, int length, double[][] gram)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(gram);
        int n = rows.Count;
        for (int i = 0; i < n; i++)
        {
            if (start < 0 || length < 0 || start + length > rows[i].Length)
            {
                throw new ArgumentOutOfRangeException(nameof(length), $"Values [{start}, {start + length}) lie outside a row of {rows[i].Length}.");
            }

            for (int j = 0; j <= i; j++)
            {
                double d = Dot(rows[i].AsSpan(start, length), rows[j].AsSpan(start, length));
                gram[i][j] += d;
                if (i != j)
                {
                    gram[j][i] += d;
                }
            }
        }
    }

    /// <summary>
    /// The statistics of the gradients whose dot products are <paramref name="gram"/>: the mean pairwise cosine, the
    /// fraction of pairs with a negative cosine, the mean magnitude similarity, and the cosine of every pair ([i][j],
    /// 1 on the diagonal; 0 where a gradient is zero). The means are NaN with fewer than two gradients.
    /// </summary>
    public static (double MeanCosine, double ConflictFraction, double MeanMagnitudeSimilarity, double[][] Cosines) Summarise(double[][] gram)
    {
        ArgumentNullException.ThrowIfNull(gram);
        int n = gram.Length;
        var cos = new double[n][];
        for (int i = 0; i < n; i++)
        {
            cos[i] = new double[n];
            for (int j = 0; j < n; j++)
            {
                double d = Math.Sqrt(gram[i][i] * gram[j][j]);
                cos[i][j] = i == j ? 1 : d > 0 ? gram[i][j] / d : 0;
            }
        }

        double sumCos = 0, conflicts = 0, sumMag = 0;
        int pairs = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                pairs++;
                sumCos += cos[i][j];
                conflicts += cos[i][j] < 0 ? 1 : 0;
                sumMag += MagnitudeSimilarity(gram[i][i], gram[j][j]);
            }
        }

        return pairs == 0
            ? (double.NaN, double.NaN, double.NaN, cos)
            : (sumCos / pairs, conflicts / pairs, sumMag / pairs, cos);
    }

    /// <summary>Φ from the squared norms: 2‖a‖‖b‖ / (‖a‖² + ‖b‖²) (1 when both are zero).</summary>
    public static double MagnitudeSimilarity(double squaredNormA, double squaredNormB)
    {
        double s = squaredNormA + squaredNormB;
        return s > 0 ? 2 * Math.Sqrt(squaredNormA * squaredNormB) / s : 1;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++)
        {
            s += (double)a[k] * b[k];
        }

        return s;
    }
}
