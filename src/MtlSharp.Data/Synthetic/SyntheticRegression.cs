using MtlSharp.Tensors;

namespace MtlSharp.Data.Synthetic;

/// <summary>
/// Generator of the synthetic multi-task regression tasks of the Gumbel-Matrix paper, App. A1 (after MMoE):
/// orthonormal u vectors, w_k built from them with relatedness ρ, x ~ N(0, I_d), and
/// y_k = w_kᵀx + Σ_{i=1..m} sin(α_i·w_kᵀx + β_i) + ε_k with ε_k ~ N(0, σ²).
/// </summary>
/// <remarks>
/// The math is done in double precision and stored as float. Draw order for a seed: the orthonormal vectors, then
/// x (shared, or per task before that task's noise), then each task's noise. Matches the peer script
/// <c>synthetic.py</c> in construction, not in random stream (NumPy's generator is not reproduced).
/// </remarks>
public static class SyntheticRegression
{
    /// <summary>Generates <paramref name="count"/> samples per task.</summary>
    public static SyntheticRegressionData Generate(SyntheticRegressionOptions options, int count, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rng);
        Validate(options, count);
        int d = options.Dim;
        double[] alphas = options.EffectiveAlphas();
        double[] betas = options.EffectiveBetas();

        int numTasks = 0;
        foreach (int s in options.ClusterSizes)
        {
            numTasks += s;
        }

        double[][] u = RandomOrthonormal(d, numTasks, rng);
        var weights = new double[numTasks][];
        int[] clusterOf = new int[numTasks];
        double rho = options.Rho, rest = Math.Sqrt(Math.Max(0.0, 1.0 - (rho * rho))), c = options.Scale;
        int task = 0;
        for (int k = 0; k < options.ClusterSizes.Count; k++)
        {
            double[] u0 = u[task];
            for (int j = 0; j < options.ClusterSizes[k]; j++, task++)
            {
                clusterOf[task] = k;
                var w = new double[d];
                for (int i = 0; i < d; i++)
                {
                    w[i] = j == 0 ? c * u0[i] : c * ((rho * u0[i]) + (rest * u[task][i]));
                }

                weights[task] = w;
            }
        }

        var inputs = new float[numTasks][];
        var targets = new float[numTasks][];
        for (int t = 0; t < numTasks; t++)
        {
            if (t == 0 || !options.SharedInputs)
            {
                inputs[t] = new float[count * d];
                rng.FillNormal(inputs[t], 0f, 1f);
            }
            else
            {
                inputs[t] = inputs[0];
            }

            targets[t] = Targets(inputs[t], weights[t], alphas, betas, options.NoiseStd, count, rng);
        }

        var weightsF = new float[numTasks][];
        for (int t = 0; t < numTasks; t++)
        {
            weightsF[t] = Array.ConvertAll(weights[t], v => (float)v);
        }

        return new SyntheticRegressionData(d, count, inputs, targets, weightsF, clusterOf, options.SharedInputs);
    }

    /// <summary>
    /// <paramref name="k"/> orthonormal vectors in R^<paramref name="d"/>: the first k columns of the Q factor of a
    /// d×k standard Gaussian matrix (modified Gram–Schmidt with one re-orthogonalisation pass, in double), which is
    /// a Haar-distributed orthonormal frame — equivalent to taking k rows of a random orthogonal matrix.
    /// </summary>
    public static double[][] RandomOrthonormal(int d, int k, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (d <= 0 || k < 0 || k > d)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"SyntheticRegression.RandomOrthonormal: need 0 <= k <= d and d > 0 (d={d}, k={k}).");
        }

        var q = new double[k][];
        for (int j = 0; j < k; j++)
        {
            var v = new double[d];
            for (int i = 0; i < d; i++)
            {
                v[i] = rng.NextGaussian();
            }

            for (int pass = 0; pass < 2; pass++)
            {
                for (int p = 0; p < j; p++)
                {
                    double dot = Dot(q[p], v);
                    for (int i = 0; i < d; i++)
                    {
                        v[i] -= dot * q[p][i];
                    }
                }
            }

            double norm = Math.Sqrt(Dot(v, v));
            for (int i = 0; i < d; i++)
            {
                v[i] /= norm;
            }

            q[j] = v;
        }

        return q;
    }

    private static float[] Targets(float[] x, double[] w, double[] alphas, double[] betas, double noiseStd, int count, Rng rng)
    {
        int d = w.Length;
        var y = new float[count];
        for (int n = 0; n < count; n++)
        {
            ReadOnlySpan<float> row = x.AsSpan(n * d, d);
            double s = 0;
            for (int i = 0; i < d; i++)
            {
                s += w[i] * row[i];
            }

            double v = s;
            for (int i = 0; i < alphas.Length; i++)
            {
                v += Math.Sin((alphas[i] * s) + betas[i]);
            }

            if (noiseStd != 0)
            {
                v += noiseStd * rng.NextGaussian();
            }

            y[n] = (float)v;
        }

        return y;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    private static void Validate(SyntheticRegressionOptions o, int count)
    {
        const string Op = "SyntheticRegression.Generate";
        if (count < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{Op}: count must be >= 0.");
        }

        if (o.Dim <= 0)
        {
            throw new ArgumentException($"{Op}: Dim must be positive (got {o.Dim}).", nameof(o));
        }

        if (o.Rho is < -1.0 or > 1.0 || double.IsNaN(o.Rho))
        {
            throw new ArgumentException($"{Op}: Rho must lie in [-1, 1] (got {o.Rho}).", nameof(o));
        }

        if (o.NoiseStd < 0 || double.IsNaN(o.NoiseStd))
        {
            throw new ArgumentException($"{Op}: NoiseStd must be >= 0 (got {o.NoiseStd}).", nameof(o));
        }

        if (o.Alphas is null && o.NumSines < 0)
        {
            throw new ArgumentException($"{Op}: NumSines must be >= 0 (got {o.NumSines}).", nameof(o));
        }

        int m = o.Alphas?.Count ?? o.NumSines;
        if (o.Betas is not null && o.Betas.Count != m)
        {
            throw new ArgumentException($"{Op}: {o.Betas.Count} betas for {m} alphas; they must have the same length.", nameof(o));
        }

        if (o.ClusterSizes.Count == 0)
        {
            throw new ArgumentException($"{Op}: ClusterSizes is empty; at least one cluster is needed.", nameof(o));
        }

        int total = 0;
        foreach (int s in o.ClusterSizes)
        {
            if (s <= 0)
            {
                throw new ArgumentException($"{Op}: every cluster size must be positive (got [{string.Join(", ", o.ClusterSizes)}]).", nameof(o));
            }

            total += s;
        }

        if (total > o.Dim)
        {
            throw new ArgumentException($"{Op}: {total} tasks need {total} orthonormal vectors but Dim is only {o.Dim}.", nameof(o));
        }
    }
}
