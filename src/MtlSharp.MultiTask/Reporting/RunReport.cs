namespace MtlSharp.MultiTask.Reporting;

/// <summary>
/// Everything a training run reports: written as <c>report.json</c> (camelCase) and rendered as the
/// self-contained <c>report.html</c>. Shared by every method (Gumbel-Matrix routing fills <see cref="Allocation"/>
/// and <see cref="AllocationHistory"/>; sluice networks fill <see cref="Matrices"/> with their α and β).
/// </summary>
public sealed record RunReport
{
    /// <summary>Preset (experiment) name, e.g. "synthetic-gumbel".</summary>
    public required string Preset { get; init; }

    /// <summary>Method name, e.g. "gumbel", "no-sharing".</summary>
    public required string Method { get; init; }

    /// <summary>The run's seed.</summary>
    public required int Seed { get; init; }

    /// <summary>Per-task final results.</summary>
    public required IReadOnlyList<TaskResult> Tasks { get; init; }

    /// <summary>Mean of the tasks' test metric.</summary>
    public required double MeanTest { get; init; }

    /// <summary>Per routed layer, the tasks × components 0/1 maximum-likelihood allocation; null without routing.</summary>
    public IReadOnlyList<int[][]>? Allocation { get; init; }

    /// <summary>Per routed layer, the tasks × components allocation probabilities of the reported network; null without routing.</summary>
    public IReadOnlyList<double[][]>? AllocationProbabilities { get; init; }

    /// <summary>Fraction of (task, component) allocations that are active, over all routed layers.</summary>
    public double? ActiveFraction { get; init; }

    /// <summary>Groups of task names with identical allocation embeddings (paper Sec. III-E).</summary>
    public IReadOnlyList<IReadOnlyList<string>>? Clusters { get; init; }

    /// <summary>Pairwise cosine similarity of the task embeddings, tasks × tasks.</summary>
    public double[][]? TaskSimilarity { get; init; }

    /// <summary>Wall-clock training time in seconds (evaluation excluded).</summary>
    public required double TrainSeconds { get; init; }

    /// <summary>Optimizer updates per second of training.</summary>
    public required double UpdatesPerSecond { get; init; }

    /// <summary>Total optimizer updates.</summary>
    public long Updates { get; init; }

    /// <summary>Training loss curves, one per task.</summary>
    public IReadOnlyList<Curve> LossCurves { get; init; } = [];

    /// <summary>Validation/test metric curves (one per task and split), if evaluated during training.</summary>
    public IReadOnlyList<Curve> MetricCurves { get; init; } = [];

    /// <summary>Allocation probabilities over training, one entry per routed layer (paper Fig. 8).</summary>
    public IReadOnlyList<AllocationHistory> AllocationHistory { get; init; } = [];

    /// <summary>Other learned matrices worth a picture (sluice α per layer, β per task…).</summary>
    public IReadOnlyList<NamedMatrix> Matrices { get; init; } = [];

    /// <summary>
    /// Gradient statistics of the shared layers over training (with <c>--affinity-stats</c>): curves named
    /// "cosine · LAYER", "conflict · LAYER" and "magnitude · LAYER" ("all" for every shared parameter together).
    /// </summary>
    public IReadOnlyList<Curve> GradientCurves { get; init; } = [];

    /// <summary>Task × task relationship matrices: gradient cosine per phase of training, lookahead affinity per phase and over the run.</summary>
    public IReadOnlyList<NamedMatrix> Relationships { get; init; } = [];

    /// <summary>TAG's lookahead affinity Z[i][j] (a step on task i's gradient onto task j's loss) averaged over the run (with <c>--affinity</c>).</summary>
    public double[][]? TaskAffinity { get; init; }

    /// <summary>Threads, machine, versions, and the resolved configuration, as display strings.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
