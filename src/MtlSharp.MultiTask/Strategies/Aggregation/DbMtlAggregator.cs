using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// DB-MTL (Lin et al. 2023, "Dual-Balancing for Multi-Task Learning"), both of its balancings: loss scale — each
/// task's gradient is that of log(L_i + ε), g_i / (L_i + ε) — and gradient magnitude — an exponential moving average
/// ĝ_i ← b_i + (β / k^σ)(ĝ_i − b_i) of those gradients (k the update count; buffers start at 0), each normalised to
/// unit length and scaled to the largest buffer norm: d = max_j ‖ĝ_j‖ Σ_i ĝ_i / ‖ĝ_i‖. β = 0.9 and σ = 0.5 are the
/// paper's (and LibMTL's). The buffers are kept per task (a task without labels in a step keeps its buffer) and
/// saved with the run. (<c>--weighting dbmtl-log</c> is the loss transform alone.)
/// </summary>
public sealed class DbMtlAggregator : IGradientAggregator, IStatefulPart
{
    /// <summary>The paper's β.</summary>
    public const double DefaultBeta = 0.9;

    /// <summary>The paper's σ.</summary>
    public const double DefaultSigma = 0.5;

    private const double Epsilon = 1e-8;
    private float[][] _buffers = [];
    private long _steps;

    /// <summary>Creates DB-MTL with EMA rate β ∈ [0, 1) and decay exponent σ ≥ 0.</summary>
    public DbMtlAggregator(double beta = DefaultBeta, double sigma = DefaultSigma)
    {
        if (!(beta >= 0 && beta < 1) || !(sigma >= 0) || !double.IsFinite(sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), $"DB-MTL needs beta in [0, 1) and sigma ≥ 0, got {beta} and {sigma}.");
        }

        Beta = beta;
        Sigma = sigma;
    }

    /// <summary>β.</summary>
    public double Beta { get; }

    /// <summary>σ.</summary>
    public double Sigma { get; }

    /// <inheritdoc/>
    public string Name => "dbmtl";

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(DbMtlAggregator), gradients, tasks, destination);
        int t = gradients.Rows, p = gradients.Columns;
        if (losses.Length != t)
        {
            throw new ArgumentException($"DB-MTL: {losses.Length} losses for {t} gradients.", nameof(losses));
        }

        int needed = 0;
        foreach (int task in tasks)
        {
            needed = Math.Max(needed, task + 1);
        }

        if (needed > _buffers.Length)
        {
            int old = _buffers.Length;
            Array.Resize(ref _buffers, needed);
            for (int i = old; i < needed; i++)
            {
                _buffers[i] = new float[p];
            }
        }

        _steps++;
        double decay = Beta / Math.Pow(_steps, Sigma);
        var norms = new double[t];
        for (int i = 0; i < t; i++)
        {
            var buffer = _buffers[tasks[i]];
            if (buffer.Length != p)
            {
                throw new ArgumentException($"DB-MTL: task {tasks[i]}'s gradient has {p} entries, its buffer {buffer.Length}.");
            }

            double scale = 1.0 / (Math.Max(0, losses[i]) + Epsilon);
            ReadOnlySpan<float> g = gradients.Row(i);
            double n2 = 0;
            for (int k = 0; k < p; k++)
            {
                double b = g[k] * scale;
                double v = b + (decay * (buffer[k] - b));
                buffer[k] = (float)v;
                n2 += v * v;
            }

            norms[i] = Math.Sqrt(n2);
        }

        double max = norms.Max();
        var weights = new double[t];
        destination.Clear();
        for (int i = 0; i < t; i++)
        {
            double w = max / (norms[i] + Epsilon);
            weights[i] = w * (1.0 / (Math.Max(0, losses[i]) + Epsilon));   // effective weight on the raw gradient, for reports
            var buffer = _buffers[tasks[i]];
            for (int k = 0; k < p; k++)
            {
                destination[k] += (float)(w * buffer[k]);
            }
        }

        return weights;
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetLong("steps", _steps);
        bag.SetLong("tasks", _buffers.Length);
        for (int i = 0; i < _buffers.Length; i++)
        {
            bag.SetArray($"buffer{i}", _buffers[i]);
        }
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _steps = bag.GetLong("steps");
        int n = (int)bag.GetLong("tasks");
        _buffers = new float[n][];
        for (int i = 0; i < n; i++)
        {
            _buffers[i] = bag.GetArray($"buffer{i}");
        }
    }
}
