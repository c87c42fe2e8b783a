using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>
/// Constant per-task weights λ_m: L = Σ_m λ_m L_m over the tasks present (λ = 1 everywhere for
/// <see cref="Equal"/>, the paper's default). A weight of exactly 1 adds the loss unscaled.
/// </summary>
public sealed class FixedWeighting : ILossWeighting
{
    private readonly float[] _weights;

    /// <summary>Creates the strategy with one weight per task.</summary>
    public FixedWeighting(params float[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Length == 0)
        {
            throw new ArgumentException("FixedWeighting: at least one weight is needed.", nameof(weights));
        }

        if (weights.Any(w => !float.IsFinite(w) || w < 0))
        {
            throw new ArgumentException($"FixedWeighting: weights must be finite and non-negative, got {string.Join(", ", weights)}.", nameof(weights));
        }

        _weights = [.. weights];
    }

    /// <summary>λ = 1 for each of <paramref name="tasks"/> tasks.</summary>
    public static FixedWeighting Equal(int tasks) => new(Enumerable.Repeat(1f, tasks).ToArray());

    /// <inheritdoc/>
    public string Name => "fixed";

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc/>
    public Tensor Combine(ReadOnlySpan<int> tasks, ReadOnlySpan<Tensor> losses, ReadOnlySpan<float> observations)
    {
        if (tasks.Length != losses.Length || tasks.Length == 0)
        {
            throw new ArgumentException($"FixedWeighting: {losses.Length} losses for {tasks.Length} task indices.", nameof(losses));
        }

        Tensor? total = null;
        for (int i = 0; i < losses.Length; i++)
        {
            int m = tasks[i];
            if ((uint)m >= (uint)_weights.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(tasks), $"FixedWeighting: task {m} but only {_weights.Length} weights.");
            }

            var term = _weights[m] == 1f ? losses[i] : Ops.Scale(losses[i], _weights[m]);
            total = total is null ? term : Ops.Add(total, term);
        }

        return total!;
    }

    /// <inheritdoc/>
    public double[] Weights() => _weights.Select(w => (double)w).ToArray();
}
