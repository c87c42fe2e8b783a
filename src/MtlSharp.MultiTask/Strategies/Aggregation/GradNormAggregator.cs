using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// GradNorm (Chen et al. 2018, "GradNorm: Gradient Normalization for Adaptive Loss Balancing in Deep Multitask
/// Networks"): learned task weights w (starting at 1) such that each task's weighted gradient norm G_i = w_i ‖g_i‖
/// tracks Ḡ · r_i^α, where r_i = L̃_i / mean(L̃) is the task's relative inverse training rate (L̃_i = L_i / L_i(0), its
/// loss relative to the first loss seen) and α the asymmetry (paper: 1.5 on NYUv2; LibMTL's default). The update
/// direction is d = Σ w_i g_i; then w takes one gradient step of L_grad = Σ_i |G_i − Ḡ r_i^α| with the target held
/// constant (as the paper), d L_grad / d w_i = sign(G_i − target_i) ‖g_i‖, at learning rate <c>lr</c>, and is
/// renormalised to Σ w_i = T (floored at 1e-6 to stay positive). Implemented as an aggregator because it needs every
/// task's gradient norm on the shared parameters (here all of them, as LibMTL; the paper uses the last shared
/// layer). Weights, first losses and the order of tasks are saved with the run.
/// </summary>
public sealed class GradNormAggregator : IGradientAggregator, IStatefulPart
{
    /// <summary>Default asymmetry α.</summary>
    public const double DefaultAlpha = 1.5;

    /// <summary>Default learning rate of the weights.</summary>
    public const double DefaultLearningRate = 0.025;

    private double[] _weights = [];
    private double[] _initialLosses = [];

    /// <summary>Creates GradNorm with asymmetry <paramref name="alpha"/> ≥ 0 and weight learning rate <paramref name="lr"/> &gt; 0.</summary>
    public GradNormAggregator(double alpha = DefaultAlpha, double lr = DefaultLearningRate)
    {
        if (!(alpha >= 0) || !double.IsFinite(alpha) || !(lr > 0) || !double.IsFinite(lr))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), $"GradNorm needs alpha ≥ 0 and lr > 0, got {alpha} and {lr}.");
        }

        Alpha = alpha;
        LearningRate = lr;
    }

    /// <summary>The asymmetry α.</summary>
    public double Alpha { get; }

    /// <summary>The weights' learning rate.</summary>
    public double LearningRate { get; }

    /// <inheritdoc/>
    public string Name => "gradnorm";

    /// <summary>The current weight of task <paramref name="task"/> (1 before it was seen).</summary>
    public double Weight(int task) => task < _weights.Length ? _weights[task] : 1.0;

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(GradNormAggregator), gradients, tasks, destination);
        int t = gradients.Rows;
        if (losses.Length != t)
        {
            throw new ArgumentException($"GradNorm: {losses.Length} losses for {t} gradients.", nameof(losses));
        }

        Grow(tasks);
        var gram = gradients.Gram();
        var w = new double[t];
        var norms = new double[t];
        var relative = new double[t];
        for (int i = 0; i < t; i++)
        {
            int task = tasks[i];
            w[i] = _weights[task];
            norms[i] = Math.Sqrt(Math.Max(0, gram[i, i]));
            if (double.IsNaN(_initialLosses[task]) && losses[i] > 0 && float.IsFinite(losses[i]))
            {
                _initialLosses[task] = losses[i];
            }

            relative[i] = double.IsNaN(_initialLosses[task]) ? 1 : losses[i] / _initialLosses[task];
        }

        AggregationMath.Combine(gradients, w, destination);
        var reported = (double[])w.Clone();
        if (t > 1)
        {
            double meanG = 0, meanR = 0;
            for (int i = 0; i < t; i++)
            {
                meanG += w[i] * norms[i] / t;
                meanR += relative[i] / t;
            }

            for (int i = 0; i < t; i++)
            {
                double r = meanR > 0 ? relative[i] / meanR : 1;
                double target = meanG * Math.Pow(r, Alpha);
                double g = w[i] * norms[i];
                double grad = Math.Sign(g - target) * norms[i];
                _weights[tasks[i]] = Math.Max(1e-6, w[i] - (LearningRate * grad));
            }

            Renormalise(tasks);
        }

        return reported;
    }

    /// <summary>Rescales the weights of the step's tasks so that they sum to their number (the paper's Σ w = T).</summary>
    private void Renormalise(ReadOnlySpan<int> tasks)
    {
        double sum = 0;
        foreach (int task in tasks)
        {
            sum += _weights[task];
        }

        foreach (int task in tasks)
        {
            _weights[task] *= tasks.Length / sum;
        }
    }

    private void Grow(ReadOnlySpan<int> tasks)
    {
        int n = _weights.Length;
        foreach (int task in tasks)
        {
            n = Math.Max(n, task + 1);
        }

        if (n > _weights.Length)
        {
            int old = _weights.Length;
            Array.Resize(ref _weights, n);
            Array.Resize(ref _initialLosses, n);
            for (int i = old; i < n; i++)
            {
                _weights[i] = 1;
                _initialLosses[i] = double.NaN;
            }
        }
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetDoubles("weights", _weights);
        bag.SetDoubles("initialLosses", _initialLosses);
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _weights = bag.GetDoubles("weights");
        _initialLosses = bag.GetDoubles("initialLosses");
        if (_weights.Length != _initialLosses.Length)
        {
            throw new InvalidDataException($"GradNorm state: {_weights.Length} weights and {_initialLosses.Length} first losses.");
        }
    }
}
