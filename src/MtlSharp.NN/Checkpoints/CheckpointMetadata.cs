using System.Text.Json;

namespace MtlSharp.NN.Checkpoints;

/// <summary>
/// The JSON side-car of a checkpoint folder (<see cref="Checkpoint.MetadataFile"/>): training progress, the run's
/// configuration (any JSON the caller serialised, e.g. the experiment config) and metrics.
/// </summary>
public sealed record CheckpointMetadata
{
    /// <summary>Optimizer steps taken.</summary>
    public long Step { get; init; }

    /// <summary>Epochs completed.</summary>
    public int Epoch { get; init; }

    /// <summary>The run configuration as raw JSON (null when not recorded).</summary>
    public JsonElement? Config { get; init; }

    /// <summary>Metric values by name (e.g. "val/task0/accuracy").</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Free-form extra fields (seed, git commit…).</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    /// <summary>How many optimizers' states the folder holds (<c>optimizer.{i}.safetensors</c>).</summary>
    public int OptimizerCount { get; init; }
}
