namespace MtlSharp.Data.Synthetic;

/// <summary>
/// Parameters of the synthetic multi-task regression data of the Gumbel-Matrix paper (Maziarz et al., "Flexible
/// Multi-task Networks by Learning Parameter Allocation", App. A1), which adapts the generator of MMoE (Ma et al.,
/// KDD 2018). Defaults follow the paper: d = 128, c = 1, m = 6, α_i = i, β_i = (i−1)², noise std 0.01, two task
/// pairs with ρ = 1.
/// </summary>
public sealed record SyntheticRegressionOptions
{
    /// <summary>Input dimension d.</summary>
    public int Dim { get; init; } = 128;

    /// <summary>Scale c of the weight vectors (w = c·u).</summary>
    public double Scale { get; init; } = 1.0;

    /// <summary>Number m of sine terms (m = 0 makes every task linear). Ignored when <see cref="Alphas"/> is set.</summary>
    public int NumSines { get; init; } = 6;

    /// <summary>Frequencies α_1..α_m; null gives α_i = i.</summary>
    public IReadOnlyList<double>? Alphas { get; init; }

    /// <summary>Phases β_1..β_m; null gives β_i = (i−1)². Must have the same length as the alphas.</summary>
    public IReadOnlyList<double>? Betas { get; init; }

    /// <summary>
    /// Relatedness ρ ∈ [−1, 1] of the tasks within a cluster: the first task of a cluster has w = c·u₀, every other
    /// task j has w = c·(ρ·u₀ + √(1−ρ²)·u_j), so cos(w₀, w_j) = ρ (for a pair this is exactly MMoE's construction).
    /// </summary>
    public double Rho { get; init; } = 1.0;

    /// <summary>Standard deviation of the Gaussian label noise ε (the official code uses 0.01 as the std).</summary>
    public double NoiseStd { get; init; } = 0.01;

    /// <summary>
    /// Sizes of the task clusters; tasks are numbered cluster by cluster. Different clusters use mutually orthogonal
    /// unit vectors (unrelated tasks). The default {2, 2} is the paper's App. A3 setting: two pairs, four tasks.
    /// The total number of unit vectors (= number of tasks) must not exceed <see cref="Dim"/>.
    /// </summary>
    public IReadOnlyList<int> ClusterSizes { get; init; } = [2, 2];

    /// <summary>
    /// True (default, like the peer script): one input matrix x shared by all tasks. False: each task draws its own
    /// independent x.
    /// </summary>
    public bool SharedInputs { get; init; } = true;

    /// <summary>Options for <paramref name="numPairs"/> task pairs with relatedness <paramref name="rho"/>.</summary>
    public static SyntheticRegressionOptions Pairs(int numPairs, double rho)
    {
        if (numPairs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(numPairs), numPairs, "SyntheticRegressionOptions.Pairs: numPairs must be positive.");
        }

        int[] sizes = new int[numPairs];
        Array.Fill(sizes, 2);
        return new SyntheticRegressionOptions { ClusterSizes = sizes, Rho = rho };
    }

    /// <summary>The effective α_i (explicit, or i for i = 1..m).</summary>
    public double[] EffectiveAlphas()
    {
        if (Alphas is not null)
        {
            return [.. Alphas];
        }

        double[] a = new double[NumSines];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = i + 1;
        }

        return a;
    }

    /// <summary>The effective β_i (explicit, or (i−1)² for i = 1..m).</summary>
    public double[] EffectiveBetas()
    {
        if (Betas is not null)
        {
            return [.. Betas];
        }

        int m = Alphas?.Count ?? NumSines;
        double[] b = new double[m];
        for (int i = 0; i < b.Length; i++)
        {
            b[i] = (double)i * i;
        }

        return b;
    }
}
