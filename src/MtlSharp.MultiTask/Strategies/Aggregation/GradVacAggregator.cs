using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// Gradient Vaccine (Wang et al. 2021, "Gradient Vaccine: Investigating and Improving Multi-task Optimization in
/// Massively Multilingual Models", Algorithm 2): every task pair (i, j) keeps an exponential moving average φ̂_ij of
/// the cosine similarity of their gradients (starting at 0). For each task i, over the other tasks j in a random order,
/// with φ_ij = cos(g'_i, g_j) of the task's current (already adjusted) gradient g'_i: if φ_ij &lt; φ̂_ij, add
/// g_j · ‖g'_i‖ (φ̂_ij √(1 − φ_ij²) − φ_ij √(1 − φ̂_ij²)) / (‖g_j‖ √(1 − φ̂_ij²)), which raises the cosine to exactly
/// φ̂_ij; then φ̂_ij ← (1 − β) φ̂_ij + β φ_ij (every visit, as the paper's algorithm; LibMTL updates only when it
/// adjusts). d = Σ_i g'_i. With all targets 0 the first steps are PCGrad's. β = 0.01 is the paper's. The targets and
/// the order stream are saved with the run. Zero gradients are left as they are (their cosine is undefined).
/// </summary>
public sealed class GradVacAggregator : IGradientAggregator, IStatefulPart
{
    /// <summary>The paper's EMA rate β.</summary>
    public const double DefaultBeta = 0.01;

    private readonly Rng _rng;
    private double[,] _targets = new double[0, 0];

    /// <summary>Creates GradVac with EMA rate <paramref name="beta"/> ∈ (0, 1]; <paramref name="rng"/> draws the orders.</summary>
    public GradVacAggregator(Rng rng, double beta = DefaultBeta)
    {
        _rng = rng ?? throw new ArgumentNullException(nameof(rng));
        if (!(beta > 0 && beta <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "GradVac's beta must be in (0, 1].");
        }

        Beta = beta;
    }

    /// <summary>The EMA rate β.</summary>
    public double Beta { get; }

    /// <inheritdoc/>
    public string Name => "gradvac";

    /// <summary>The target cosine φ̂ of tasks (<paramref name="i"/>, <paramref name="j"/>) (0 before they met).</summary>
    public double Target(int i, int j) => i < _targets.GetLength(0) && j < _targets.GetLength(0) ? _targets[i, j] : 0;

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(GradVacAggregator), gradients, tasks, destination);
        int t = gradients.Rows;
        Grow(tasks);
        var orders = new int[t][];
        for (int i = 0; i < t; i++)
        {
            orders[i] = _rng.Permutation(t);
        }

        var c = Adjust(gradients.Gram(), tasks, orders, _targets, Beta);
        var weights = new double[t];
        for (int i = 0; i < t; i++)
        {
            for (int k = 0; k < t; k++)
            {
                weights[k] += c[i, k];
            }
        }

        AggregationMath.Combine(gradients, weights, destination);
        return weights;
    }

    /// <summary>
    /// The coefficients C of the adjusted gradients, g'_i = Σ_k C[i, k] g_k, visiting for task i the others in
    /// <paramref name="orders"/>[i] (i itself skipped), reading and updating the targets of the step's
    /// <paramref name="tasks"/> in <paramref name="targets"/>.
    /// </summary>
    internal static double[,] Adjust(double[,] gram, ReadOnlySpan<int> tasks, int[][] orders, double[,] targets, double beta)
    {
        int t = gram.GetLength(0);
        var c = new double[t, t];
        for (int i = 0; i < t; i++)
        {
            c[i, i] = 1;
        }

        for (int i = 0; i < t; i++)
        {
            foreach (int j in orders[i])
            {
                if (j == i)
                {
                    continue;
                }

                double dot = 0, n2 = 0;
                for (int a = 0; a < t; a++)
                {
                    dot += c[i, a] * gram[a, j];
                    for (int b = 0; b < t; b++)
                    {
                        n2 += c[i, a] * c[i, b] * gram[a, b];
                    }
                }

                double ni = Math.Sqrt(Math.Max(0, n2)), nj = Math.Sqrt(Math.Max(0, gram[j, j]));
                if (!(ni > 0 && nj > 0))
                {
                    continue;
                }

                double phi = Math.Clamp(dot / (ni * nj), -1, 1);
                ref double target = ref targets[tasks[i], tasks[j]];
                if (phi < target && 1 - (target * target) > 1e-12)
                {
                    c[i, j] += ni * ((target * Math.Sqrt(1 - (phi * phi))) - (phi * Math.Sqrt(1 - (target * target)))) / (nj * Math.Sqrt(1 - (target * target)));
                }

                target = ((1 - beta) * target) + (beta * phi);
            }
        }

        return c;
    }

    private void Grow(ReadOnlySpan<int> tasks)
    {
        int n = _targets.GetLength(0);
        foreach (int task in tasks)
        {
            n = Math.Max(n, task + 1);
        }

        if (n > _targets.GetLength(0))
        {
            var grown = new double[n, n];
            for (int i = 0; i < _targets.GetLength(0); i++)
            {
                for (int j = 0; j < _targets.GetLength(0); j++)
                {
                    grown[i, j] = _targets[i, j];
                }
            }

            _targets = grown;
        }
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetRng("order", _rng);
        bag.SetLong("tasks", _targets.GetLength(0));
        bag.SetDoubles("targets", _targets.Cast<double>().ToArray());
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.LoadRng("order", _rng);
        int n = (int)bag.GetLong("tasks");
        double[] flat = bag.GetDoubles("targets");
        if (flat.Length != n * n)
        {
            throw new InvalidDataException($"GradVac state: {flat.Length} targets for {n} tasks.");
        }

        _targets = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                _targets[i, j] = flat[(i * n) + j];
            }
        }
    }
}
