using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Weighting;

/// <summary>L = Σ_m λ_m · L_m with constant λ (λ = 1 for every task is the official sluice code's behaviour, spec D12).</summary>
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

        _weights = [.. weights];
    }

    /// <summary>Equal weights 1 for <paramref name="tasks"/> tasks.</summary>
    public static FixedWeighting Equal(int tasks) => new(Enumerable.Repeat(1f, tasks).ToArray());

    /// <inheritdoc/>
    public string Name => "fixed";

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc/>
    public Tensor Combine(ReadOnlySpan<Tensor> taskLosses)
    {
        if (taskLosses.Length != _weights.Length)
        {
            throw new ArgumentException($"FixedWeighting: {taskLosses.Length} task losses for {_weights.Length} weights.", nameof(taskLosses));
        }

        Tensor? total = null;
        for (int m = 0; m < taskLosses.Length; m++)
        {
            var term = _weights[m] == 1f ? taskLosses[m] : Ops.Scale(taskLosses[m], _weights[m]);
            total = total is null ? term : Ops.Add(total, term);
        }

        return total!;
    }

    /// <inheritdoc/>
    public double[] Weights() => _weights.Select(w => (double)w).ToArray();
}
