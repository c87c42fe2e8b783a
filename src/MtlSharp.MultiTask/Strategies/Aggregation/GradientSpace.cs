namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>Where the loop takes the per-task gradients a gradient aggregator combines.</summary>
public enum GradientSpace
{
    /// <summary>
    /// The shared parameters: one row of P = |θ_shared| per task (TorchJD's Jacobian, LibMTL's default). Costs one
    /// backward pass of the whole graph per task.
    /// </summary>
    Parameters,

    /// <summary>
    /// The shared representation z (the input every task head reads): one row of B·|z| per task (Sener &amp; Koltun's
    /// MGDA-UB, LibMTL's <c>rep_grad</c>). Per-task backward passes stop at z; the aggregated direction over z is then
    /// back-propagated once through the shared part. Needs a model with one shared representation per step
    /// (<see cref="Models.IRepresentationModel"/>) and tasks that read the same inputs.
    /// </summary>
    Representation,
}
