using MtlSharp.NN;

namespace MtlSharp.MultiTask.Training;

/// <summary>
/// What an <see cref="IStepProbe"/> sees of one update: the tasks with a loss in the batch, their loss values, the
/// shared parameters, each task's gradient of them, and the losses after a trial move of the shared parameters.
/// Valid only during <see cref="IStepProbe.Probe"/>.
/// </summary>
public sealed class StepProbe
{
    private readonly Func<float[][]> _gradients;
    private readonly Func<float[]?, float[]> _lookahead;
    private float[][]? _rows;

    internal StepProbe(long step, float learningRate, int[] tasks, float[] losses, IReadOnlyList<Parameter> shared, Func<float[][]> gradients, Func<float[]?, float[]> lookahead)
    {
        Step = step;
        LearningRate = learningRate;
        Tasks = tasks;
        Losses = losses;
        SharedParameters = shared;
        SharedLength = shared.Sum(p => p.Length);
        _gradients = gradients;
        _lookahead = lookahead;
    }

    /// <summary>The update's number (0-based).</summary>
    public long Step { get; }

    /// <summary>The first optimizer's current learning rate (its first group's; as of the previous update's schedule).</summary>
    public float LearningRate { get; }

    /// <summary>The tasks with a loss in this batch (indices into the run's tasks).</summary>
    public IReadOnlyList<int> Tasks { get; }

    /// <summary>The training loss of each of <see cref="Tasks"/>.</summary>
    public IReadOnlyList<float> Losses { get; }

    /// <summary>The model's shared parameters, in the order of a gradient row.</summary>
    public IReadOnlyList<Parameter> SharedParameters { get; }

    /// <summary>Number of shared parameter values (the length of a gradient row).</summary>
    public int SharedLength { get; }

    /// <summary>
    /// Each of <see cref="Tasks"/>' gradient of its loss with respect to the shared parameters (one backward pass per
    /// task over the update's graph, computed once per update; rows in <see cref="SharedParameters"/>' order).
    /// </summary>
    public float[][] TaskGradients() => _rows ??= _gradients();

    /// <summary>
    /// The training losses of <see cref="Tasks"/> on this update's batch after adding <paramref name="sharedDelta"/>
    /// to the shared parameters (null: as they are), with the other parameters unchanged; the parameters are restored
    /// afterwards. Every call draws the same forward-pass noise, so calls differ only by the move.
    /// </summary>
    public float[] LookaheadLosses(float[]? sharedDelta)
    {
        if (sharedDelta is not null && sharedDelta.Length != SharedLength)
        {
            throw new ArgumentException($"The move has {sharedDelta.Length} values for {SharedLength} shared parameter values.", nameof(sharedDelta));
        }

        return _lookahead(sharedDelta);
    }
}
