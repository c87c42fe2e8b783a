namespace MtlSharp.NN.Optim;

/// <summary>A first-order optimizer over <see cref="OptimizerGroup"/>s.</summary>
public interface IOptimizer
{
    /// <summary>The parameter groups with their hyperparameters.</summary>
    IReadOnlyList<OptimizerGroup> Groups { get; }

    /// <summary>Number of <see cref="Step"/> calls so far.</summary>
    long StepCount { get; }

    /// <summary>Updates every parameter that has a gradient (parameters never reached by a backward pass are skipped, as in PyTorch).</summary>
    void Step();

    /// <summary>Zeroes every parameter's gradient.</summary>
    void ZeroGrad();

    /// <summary>A copy of the optimizer state, keyed by parameter names (see <see cref="OptimizerState"/>).</summary>
    OptimizerState ExportState();

    /// <summary>
    /// Restores state exported from an optimizer of the same type over parameters with the same names and shapes;
    /// throws <see cref="Checkpoints.CheckpointMismatchException"/> naming the tensor otherwise.
    /// </summary>
    void ImportState(OptimizerState state);
}
