using MtlSharp.MultiTask.Training.State;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>
/// Random loss weighting, RLW (Lin et al., TMLR 2022, "Reasonable effectiveness of random weighting"): every call of
/// <see cref="Combine"/> draws z ~ N(0, I) over the step's n tasks from the strategy's own random stream and returns
/// L = Σ_i λ_i L_i with λ = softmax(z), so the weights sum to 1 — not scaled by the number of tasks, as LibMTL's
/// <c>RLW</c> (<c>F.softmax(torch.randn(task_num))</c>). The stream is saved with the run (<see cref="IStatefulPart"/>),
/// so a resumed run draws the same weights. Note that <see cref="Training.Trainer.Objective"/> draws too.
/// </summary>
public sealed class RandomLossWeighting : ILossWeighting, IStatefulPart
{
    private readonly Rng _rng;
    private readonly double[] _weights;

    /// <summary>Creates the strategy for <paramref name="tasks"/> tasks, drawing from <paramref name="rng"/>.</summary>
    public RandomLossWeighting(int tasks, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        ArgumentNullException.ThrowIfNull(rng);
        _rng = rng;
        _weights = Enumerable.Repeat(1.0 / tasks, tasks).ToArray();
    }

    /// <inheritdoc/>
    public string Name => "rlw";

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc/>
    public Tensor Combine(ReadOnlySpan<int> tasks, ReadOnlySpan<Tensor> losses, ReadOnlySpan<float> observations)
    {
        WeightingChecks.Check("RandomLossWeighting", _weights.Length, tasks, losses);
        var z = new double[losses.Length];
        double max = double.NegativeInfinity;
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = _rng.NextGaussian();
            max = Math.Max(max, z[i]);
        }

        double sum = 0;
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = Math.Exp(z[i] - max);
            sum += z[i];
        }

        Array.Clear(_weights);
        Tensor? total = null;
        for (int i = 0; i < z.Length; i++)
        {
            double w = z[i] / sum;
            _weights[tasks[i]] += w;
            var term = Ops.Scale(losses[i], (float)w);
            total = total is null ? term : Ops.Add(total, term);
        }

        return total!;
    }

    /// <summary>The weights λ drawn by the last <see cref="Combine"/> (0 for tasks absent from it; 1/M before the first).</summary>
    public double[] Weights() => [.. _weights];

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetRng("rng", _rng);
        bag.SetDoubles("weights", _weights);
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.LoadRng("rng", _rng);
        double[] w = bag.GetDoubles("weights");
        if (w.Length != _weights.Length)
        {
            throw new InvalidDataException($"RandomLossWeighting: the saved state has {w.Length} weights, the run {_weights.Length}.");
        }

        w.CopyTo(_weights, 0);
    }
}
