using System.Numerics.Tensors;

namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// What the aggregators share: input checks, the final weighted combination of the rows (the one P-sized pass), the
/// small dense solvers on T × T matrices (double precision; T is the number of tasks in a step, so tens at most).
/// </summary>
internal static class AggregationMath
{
    /// <summary>
    /// Checks the destination length and that every entry of the matrix is finite; the message names the aggregator and
    /// the row (and its task where <paramref name="tasks"/> covers it).
    /// </summary>
    public static void Check(string aggregator, GradientMatrix gradients, ReadOnlySpan<int> tasks, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        if (destination.Length != gradients.Columns)
        {
            throw new ArgumentException($"{aggregator}: destination of {destination.Length} for {gradients.Columns} columns.", nameof(destination));
        }

        for (int i = 0; i < gradients.Rows; i++)
        {
            ReadOnlySpan<float> row = gradients.Row(i);
            for (int k = 0; k < row.Length; k++)
            {
                if (!float.IsFinite(row[k]))
                {
                    string task = i < tasks.Length ? $" (task {tasks[i]})" : "";
                    throw new ArgumentException(
                        $"{aggregator}: row {i}{task} of the gradient matrix holds a non-finite value ({row[k]}) at column {k}.", nameof(gradients));
                }
            }
        }
    }

    /// <summary>destination = Σ_i w_i g_i.</summary>
    public static void Combine(GradientMatrix gradients, ReadOnlySpan<double> weights, Span<float> destination)
    {
        destination.Clear();
        for (int i = 0; i < gradients.Rows; i++)
        {
            if (weights[i] != 0)
            {
                TensorPrimitives.MultiplyAdd(gradients.Row(i), (float)weights[i], destination, destination);
            }
        }
    }

    /// <summary>The mean row, computed exactly as <see cref="MeanAggregator"/> does (sum, then × 1/T); returns the weights 1/T.</summary>
    public static double[] Mean(GradientMatrix gradients, Span<float> destination)
    {
        int t = gradients.Rows;
        destination.Clear();
        for (int i = 0; i < t; i++)
        {
            TensorPrimitives.Add(destination, gradients.Row(i), destination);
        }

        TensorPrimitives.Multiply(destination, 1f / t, destination);
        return Enumerable.Repeat(1.0 / t, t).ToArray();
    }

    /// <summary>T = 1: the one row, weight 1.</summary>
    public static double[] Single(GradientMatrix gradients, Span<float> destination)
    {
        gradients.Row(0).CopyTo(destination);
        return [1.0];
    }

    /// <summary>wᵀ G w.</summary>
    public static double Quadratic(double[,] g, ReadOnlySpan<double> w)
    {
        double s = 0;
        for (int i = 0; i < w.Length; i++)
        {
            for (int j = 0; j < w.Length; j++)
            {
                s += w[i] * g[i, j] * w[j];
            }
        }

        return s;
    }

    /// <summary>G w.</summary>
    public static double[] Multiply(double[,] g, ReadOnlySpan<double> w)
    {
        var r = new double[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            double s = 0;
            for (int j = 0; j < w.Length; j++)
            {
                s += g[i, j] * w[j];
            }

            r[i] = s;
        }

        return r;
    }

    /// <summary>
    /// Minimises ½ xᵀ A x + bᵀ x over x ≥ 0 (and Σ x = 1 when <paramref name="simplex"/>) for a symmetric positive
    /// semi-definite A: a primal active-set method (Lawson–Hanson's NNLS loop generalised to a quadratic, with the
    /// equality constraint kept in every equality-constrained subproblem), exact up to rounding in a finite number of
    /// steps. A ridge of 1e-10 × mean(diag A) keeps every subproblem positive definite (a singular Gram: identical or
    /// dependent gradients, more tasks than parameters); it moves the answer by about that relative amount.
    /// </summary>
    public static double[] MinimiseQuadratic(double[,] a0, ReadOnlySpan<double> b, bool simplex)
    {
        int n = b.Length;
        double trace = 0, scale = 0;
        for (int i = 0; i < n; i++)
        {
            trace += a0[i, i];
            scale = Math.Max(scale, Math.Abs(b[i]));
            for (int j = 0; j < n; j++)
            {
                scale = Math.Max(scale, Math.Abs(a0[i, j]));
            }
        }

        double ridge = trace > 0 ? 1e-10 * trace / n : 1.0;
        var a = (double[,])a0.Clone();
        for (int i = 0; i < n; i++)
        {
            a[i, i] += ridge;
        }

        double tol = 1e-13 * Math.Max(scale, double.Epsilon);
        var x = new double[n];
        var passive = new bool[n];
        if (simplex)
        {
            int start = 0;
            for (int j = 1; j < n; j++)
            {
                if ((0.5 * a[j, j]) + b[j] < (0.5 * a[start, start]) + b[start])
                {
                    start = j;
                }
            }

            x[start] = 1;
            passive[start] = true;
        }

        for (int outer = 0; outer < (10 * n) + 10; outer++)
        {
            var grad = Multiply(a, x);
            double nu = 0;
            int count = 0;
            for (int i = 0; i < n; i++)
            {
                grad[i] += b[i];
                if (simplex && passive[i])
                {
                    nu += grad[i];
                    count++;
                }
            }

            nu = count > 0 ? nu / count : 0;
            int enter = -1;
            double most = -tol;
            for (int j = 0; j < n; j++)
            {
                if (!passive[j] && grad[j] - nu < most)
                {
                    most = grad[j] - nu;
                    enter = j;
                }
            }

            if (enter < 0)
            {
                break;
            }

            passive[enter] = true;
            for (int inner = 0; inner <= n; inner++)
            {
                var s = SolveSubproblem(a, b, passive, simplex);
                double step = 1;
                int hit = -1;
                for (int i = 0; i < n; i++)
                {
                    if (passive[i] && s[i] <= 0)
                    {
                        double r = x[i] - s[i] > 0 ? x[i] / (x[i] - s[i]) : 0;
                        if (hit < 0 || r < step)
                        {
                            step = Math.Min(step, r);
                            hit = i;
                        }
                    }
                }

                if (hit < 0)
                {
                    x = s;
                    break;
                }

                for (int i = 0; i < n; i++)
                {
                    x[i] += step * (s[i] - x[i]);
                    if (passive[i] && (i == hit || x[i] <= 0))
                    {
                        passive[i] = false;
                        x[i] = 0;
                    }
                }
            }
        }

        for (int i = 0; i < n; i++)
        {
            x[i] = Math.Max(0, x[i]);
        }

        if (simplex)
        {
            double sum = x.Sum();
            for (int i = 0; i < n; i++)
            {
                x[i] /= sum;
            }
        }

        return x;
    }

    /// <summary>The minimiser over the free (passive) coordinates with the others at 0 (and Σ x = 1 when simplex).</summary>
    private static double[] SolveSubproblem(double[,] a, ReadOnlySpan<double> b, bool[] passive, bool simplex)
    {
        int n = b.Length;
        var idx = new List<int>(n);
        for (int i = 0; i < n; i++)
        {
            if (passive[i])
            {
                idx.Add(i);
            }
        }

        int k = idx.Count, m = simplex ? k + 1 : k;
        var sys = new double[m, m];
        var rhs = new double[m];
        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < k; c++)
            {
                sys[r, c] = a[idx[r], idx[c]];
            }

            rhs[r] = -b[idx[r]];
            if (simplex)
            {
                sys[r, k] = 1;
                sys[k, r] = 1;
            }
        }

        if (simplex)
        {
            rhs[k] = 1;
        }

        var sol = Solve(sys, rhs, 0) ?? throw new InvalidOperationException("A regularised subproblem was singular.");
        var x = new double[n];
        for (int r = 0; r < k; r++)
        {
            x[idx[r]] = sol[r];
        }

        return x;
    }

    /// <summary>
    /// Solves M x = rhs by Gaussian elimination with partial pivoting; null when a pivot is at most
    /// <paramref name="relativePivot"/> × max |M| (singular to that precision) or M is zero or not finite.
    /// </summary>
    public static double[]? Solve(double[,] m0, ReadOnlySpan<double> rhs0, double relativePivot)
    {
        int n = rhs0.Length;
        var m = (double[,])m0.Clone();
        var rhs = rhs0.ToArray();
        double max = 0;
        foreach (double v in m)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        if (!(max > 0) || !double.IsFinite(max))
        {
            return null;
        }

        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
            {
                if (Math.Abs(m[r, col]) > Math.Abs(m[pivot, col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(m[pivot, col]) <= relativePivot * max)
            {
                return null;
            }

            if (pivot != col)
            {
                for (int c = 0; c < n; c++)
                {
                    (m[col, c], m[pivot, c]) = (m[pivot, c], m[col, c]);
                }

                (rhs[col], rhs[pivot]) = (rhs[pivot], rhs[col]);
            }

            for (int r = col + 1; r < n; r++)
            {
                double f = m[r, col] / m[col, col];
                if (f == 0)
                {
                    continue;
                }

                for (int c = col; c < n; c++)
                {
                    m[r, c] -= f * m[col, c];
                }

                rhs[r] -= f * rhs[col];
            }
        }

        var x = new double[n];
        for (int r = n - 1; r >= 0; r--)
        {
            double s = rhs[r];
            for (int c = r + 1; c < n; c++)
            {
                s -= m[r, c] * x[c];
            }

            x[r] = s / m[r, r];
        }

        return x;
    }
}
