using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>
/// The loss part of dual-balancing multi-task learning, DB-MTL (Lin et al., 2023; LibMTL's <c>DB_MTL</c> before its
/// gradient balancing): L = Σ_i log(L_i + ε) with ε = 1e-8, so each task's gradient is divided by its own loss (scale
/// invariance). Only the log transform: the gradient-magnitude balancing of DB-MTL is not part of it. No learned
/// parameters; observation counts are ignored.
/// </summary>
public sealed class LogLossWeighting : ILossWeighting
{
    /// <summary>ε added to every loss before the logarithm (LibMTL's).</summary>
    public const float Epsilon = 1e-8f;

    private readonly double[] _weights;

    /// <summary>Creates the strategy for <paramref name="tasks"/> tasks.</summary>
    public LogLossWeighting(int tasks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        _weights = Enumerable.Repeat(1.0, tasks).ToArray();
    }

    /// <inheritdoc/>
    public string Name => "dbmtl-log";

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc/>
    public Tensor Combine(ReadOnlySpan<int> tasks, ReadOnlySpan<Tensor> losses, ReadOnlySpan<float> observations)
    {
        WeightingChecks.Check("LogLossWeighting", _weights.Length, tasks, losses);
        for (int i = 0; i < losses.Length; i++)
        {
            float v = losses[i].Item();
            if (!(v + Epsilon > 0))
            {
                throw new ArgumentException($"LogLossWeighting: the loss of task {tasks[i]} is {v}; the log transform needs losses above −ε.", nameof(losses));
            }

            _weights[tasks[i]] = 1.0 / (v + Epsilon);
        }

        return Ops.Sum(Ops.Log(Ops.AddScalar(Ops.Stack(losses), Epsilon)));
    }

    /// <summary>The effective weights 1/(L_m + ε) of the last <see cref="Combine"/> (1 before the first).</summary>
    public double[] Weights() => [.. _weights];
}
