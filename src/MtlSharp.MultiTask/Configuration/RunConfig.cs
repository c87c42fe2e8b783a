namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// A resolved run configuration (one method of a configuration file, with its patch and any command-line overrides
/// applied): data, tasks, model, strategies, optimizer, schedule and stopping. Built by
/// <see cref="ConfigDocument.Resolve"/> from JSON that passed the schema; the format is documented in the README and
/// in <c>mtl-config.schema.json</c>.
/// </summary>
public sealed record RunConfig
{
    /// <summary>Run family name.</summary>
    public required string Name { get; init; }

    /// <summary>Free text.</summary>
    public string? Description { get; init; }

    /// <summary>The method this configuration was resolved for ("default" when the file has no methods).</summary>
    public required string Method { get; init; }

    /// <summary>Where the data comes from.</summary>
    public required DataSource Data { get; init; }

    /// <summary>The tasks (after <c>useTasks</c>), in order.</summary>
    public required IReadOnlyList<TaskSpec> Tasks { get; init; }

    /// <summary>The model.</summary>
    public required ModelSpec Model { get; init; }

    /// <summary>Task sampling, loss weighting, gradient aggregation.</summary>
    public StrategySpec Strategy { get; init; } = new();

    /// <summary>Optimizer.</summary>
    public OptimizerSpec Optimizer { get; init; } = new();

    /// <summary>Schedule.</summary>
    public ScheduleSpec Schedule { get; init; } = new();

    /// <summary>Early stopping and model selection.</summary>
    public StoppingSpec Stopping { get; init; } = new();

    /// <summary>The method Δm is measured against, if the file names one.</summary>
    public string? Baseline { get; init; }
}
