namespace MtlSharp.MultiTask.Training;

/// <summary>
/// A measurement taken inside an update, between the forward pass and the backward pass, where the per-task losses
/// still hold their graph (gradient statistics, lookahead task affinity). A probe must leave the update unchanged:
/// it reads gradients through <see cref="StepProbe.TaskGradients"/> (which touch no parameter's gradient) and
/// looks ahead through <see cref="StepProbe.LookaheadLosses"/> (which restores the parameters bit for bit and draws
/// no number from the run's random stream), so a run with probes trains exactly as one without. The loop asks every
/// callback that is also an <see cref="IStepProbe"/>.
/// </summary>
public interface IStepProbe
{
    /// <summary>Whether to probe update number <paramref name="step"/> (0-based; updates done before it).</summary>
    bool Probes(long step);

    /// <summary>Takes the measurement.</summary>
    void Probe(StepProbe probe);
}
