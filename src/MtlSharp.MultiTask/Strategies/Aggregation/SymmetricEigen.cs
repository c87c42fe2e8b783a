namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// The eigen-decomposition A = V Λ Vᵀ of a small symmetric matrix (the T × T Gram matrices of the aggregators) by the
/// cyclic Jacobi method in double precision: sweeps of plane rotations that zero each off-diagonal entry in turn, until
/// the off-diagonal mass is below 1e-30 of the total (or 100 sweeps). Exact zeros stay exact zeros (a zero row and
/// column is never rotated), so a zero gradient keeps its eigenvector e_i with eigenvalue 0.
/// </summary>
internal static class SymmetricEigen
{
    /// <summary>
    /// The eigenvalues (ascending) in <paramref name="values"/> and the matching unit eigenvectors as the columns of the
    /// returned matrix.
    /// </summary>
    public static double[,] Decompose(double[,] a0, out double[] values)
    {
        int n = a0.GetLength(0);
        var a = (double[,])a0.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            v[i, i] = 1;
        }

        double total = 0;
        foreach (double x in a)
        {
            total += x * x;
        }

        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    off += a[p, q] * a[p, q];
                }
            }

            if (!(off > 1e-30 * total))
            {
                break;
            }

            for (int p = 0; p < n - 1; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    if (a[p, q] != 0)
                    {
                        Rotate(a, v, p, q);
                    }
                }
            }
        }

        var order = Enumerable.Range(0, n).OrderBy(i => a[i, i]).ToArray();
        values = order.Select(i => a[i, i]).ToArray();
        var sorted = new double[n, n];
        for (int c = 0; c < n; c++)
        {
            for (int r = 0; r < n; r++)
            {
                sorted[r, c] = v[r, order[c]];
            }
        }

        return sorted;
    }

    /// <summary>One Jacobi rotation in the (p, q) plane that zeroes a[p, q] (Golub &amp; Van Loan, symmetric Schur).</summary>
    private static void Rotate(double[,] a, double[,] v, int p, int q)
    {
        int n = a.GetLength(0);
        double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
        double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
        if (theta == 0)
        {
            t = 1;
        }

        double c = 1 / Math.Sqrt((t * t) + 1), s = t * c;
        for (int k = 0; k < n; k++)
        {
            double akp = a[k, p], akq = a[k, q];
            a[k, p] = (c * akp) - (s * akq);
            a[k, q] = (s * akp) + (c * akq);
        }

        for (int k = 0; k < n; k++)
        {
            double apk = a[p, k], aqk = a[q, k];
            a[p, k] = (c * apk) - (s * aqk);
            a[q, k] = (s * apk) + (c * aqk);
        }

        a[p, q] = 0;
        a[q, p] = 0;
        for (int k = 0; k < n; k++)
        {
            double vkp = v[k, p], vkq = v[k, q];
            v[k, p] = (c * vkp) - (s * vkq);
            v[k, q] = (s * vkp) + (c * vkq);
        }
    }
}
