using MtlSharp.MultiTask.Training.State;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>
/// FAMO (Liu et al. 2023, "FAMO: Fast Adaptive Multitask Optimization"): logits ξ (starting at 0), z = softmax(ξ), and
/// the back-propagated objective Σ_i z_i log(L_i + ε) / c with c = Σ_i z_i / (L_i + ε) held constant — so task i's
/// gradient gets weight z_i / (c (L_i + ε)), the weights summing to 1 and favouring tasks whose loss is small
/// relative to their share. After each update the logits learn from the observed decrease of every task's log-loss,
/// δ_i = log(L_i(t−1) + ε) − log(L_i(t) + ε), by one Adam step (lr, weight decay γ; paper and LibMTL: 0.025, 0.001)
/// along −(∂z/∂ξ)ᵀ δ. Deviation: the paper measures L(t) on the same batch after the update (an extra forward pass);
/// here L(t) is the next step's loss, on the next batch (no extra pass). Only steps where every task has a label
/// update ξ. The logits, Adam moments and previous losses are saved with the run.
/// </summary>
public sealed class FamoWeighting : IStepAwareWeighting, IStatefulPart
{
    /// <summary>Default learning rate of the logits.</summary>
    public const double DefaultLearningRate = 0.025;

    /// <summary>Default weight decay γ of the logits.</summary>
    public const double DefaultWeightDecay = 0.001;

    private const double Epsilon = 1e-8;
    private readonly double[] _logits;
    private readonly double[] _m;
    private readonly double[] _v;
    private readonly double[] _previous;
    private long _adamSteps;

    /// <summary>Creates FAMO for <paramref name="tasks"/> tasks.</summary>
    public FamoWeighting(int tasks, double lr = DefaultLearningRate, double weightDecay = DefaultWeightDecay)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        if (!(lr > 0) || !double.IsFinite(lr) || !(weightDecay >= 0) || !double.IsFinite(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(lr), $"FAMO needs lr > 0 and gamma ≥ 0, got {lr} and {weightDecay}.");
        }

        LearningRate = lr;
        WeightDecay = weightDecay;
        _logits = new double[tasks];
        _m = new double[tasks];
        _v = new double[tasks];
        _previous = Enumerable.Repeat(double.NaN, tasks).ToArray();
    }

    /// <summary>The logits' learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>The logits' weight decay γ.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    public string Name => "famo";

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary>z = softmax(ξ).</summary>
    public double[] Weights()
    {
        double max = _logits.Max();
        var z = _logits.Select(x => Math.Exp(x - max)).ToArray();
        double sum = z.Sum();
        return z.Select(x => x / sum).ToArray();
    }

    /// <inheritdoc/>
    public Tensor Combine(ReadOnlySpan<int> tasks, ReadOnlySpan<Tensor> losses, ReadOnlySpan<float> observations)
    {
        WeightingChecks.Check("FamoWeighting", _logits.Length, tasks, losses);
        var z = Weights();
        double c = 0;
        for (int i = 0; i < losses.Length; i++)
        {
            c += z[tasks[i]] / (Math.Max(0, losses[i].Item()) + Epsilon);
        }

        Tensor? total = null;
        for (int i = 0; i < losses.Length; i++)
        {
            var term = Ops.Scale(Ops.Log(Ops.AddScalar(losses[i], (float)Epsilon)), (float)(z[tasks[i]] / c));
            total = total is null ? term : Ops.Add(total, term);
        }

        return total!;
    }

    /// <summary>One Adam step of the logits from the decrease of the log-losses since the previous update.</summary>
    public void OnStep(ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, long step)
    {
        if (tasks.Length != losses.Length)
        {
            throw new ArgumentException($"FamoWeighting: {losses.Length} losses for {tasks.Length} task indices.", nameof(losses));
        }

        int t = _logits.Length;
        var current = Enumerable.Repeat(double.NaN, t).ToArray();
        for (int i = 0; i < tasks.Length; i++)
        {
            if ((uint)tasks[i] >= (uint)t)
            {
                throw new ArgumentOutOfRangeException(nameof(tasks), $"FamoWeighting: task {tasks[i]} of {t}.");
            }

            current[tasks[i]] = losses[i];
        }

        if (current.All(double.IsFinite) && _previous.All(double.IsFinite))
        {
            var delta = new double[t];
            for (int i = 0; i < t; i++)
            {
                delta[i] = Math.Log(Math.Max(0, _previous[i]) + Epsilon) - Math.Log(Math.Max(0, current[i]) + Epsilon);
            }

            // ∂z/∂ξ is diag(z) − z zᵀ (symmetric): the gradient of ξ is z ⊙ (δ − zᵀδ).
            var z = Weights();
            double zd = 0;
            for (int i = 0; i < t; i++)
            {
                zd += z[i] * delta[i];
            }

            _adamSteps++;
            const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
            for (int i = 0; i < t; i++)
            {
                double g = (z[i] * (delta[i] - zd)) + (WeightDecay * _logits[i]);
                _m[i] = (b1 * _m[i]) + ((1 - b1) * g);
                _v[i] = (b2 * _v[i]) + ((1 - b2) * g * g);
                double mh = _m[i] / (1 - Math.Pow(b1, _adamSteps)), vh = _v[i] / (1 - Math.Pow(b2, _adamSteps));
                _logits[i] -= LearningRate * mh / (Math.Sqrt(vh) + eps);
            }
        }

        if (current.All(double.IsFinite))
        {
            current.CopyTo(_previous, 0);
        }
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetDoubles("logits", _logits);
        bag.SetDoubles("m", _m);
        bag.SetDoubles("v", _v);
        bag.SetDoubles("previous", _previous);
        bag.SetLong("adamSteps", _adamSteps);
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        foreach (var (key, into) in new[] { ("logits", _logits), ("m", _m), ("v", _v), ("previous", _previous) })
        {
            double[] v = bag.GetDoubles(key);
            if (v.Length != into.Length)
            {
                throw new InvalidDataException($"FamoWeighting: the saved '{key}' has {v.Length} values, the run {into.Length}.");
            }

            v.CopyTo(into, 0);
        }

        _adamSteps = bag.GetLong("adamSteps");
    }
}
