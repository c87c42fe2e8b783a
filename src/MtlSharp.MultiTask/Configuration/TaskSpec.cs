using MtlSharp.Data.Tasks;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>One task of a configuration: its name, what it predicts, from which column(s), and how it is scored.</summary>
public sealed record TaskSpec
{
    /// <summary>Unique name.</summary>
    public required string Name { get; init; }

    /// <summary>What is predicted (fixes the loss).</summary>
    public required TaskKind Kind { get; init; }

    /// <summary>The label column (csv, CoNLL-U), or null.</summary>
    public string? Column { get; init; }

    /// <summary>Multi-label: the 0/1 label columns.</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    /// <summary>The metric.</summary>
    public required MetricKind Metric { get; init; }

    /// <summary>Multi-input data: the name of the input the task reads; otherwise null.</summary>
    public string? Input { get; init; }

    /// <summary>Multi-input model: the encoder the task reads (default: the one named like its input).</summary>
    public string? Encoder { get; init; }

    /// <summary>Image-tasks data: the name of the dataset the task's images come from; otherwise null.</summary>
    public string? Dataset { get; init; }

    /// <summary>Image-tasks data, IDX dataset: the class left out of the task (null: every class).</summary>
    public int? LeaveOut { get; init; }

    /// <summary>Regression: standardise the target on the training split.</summary>
    public bool Standardize { get; init; } = true;
}
