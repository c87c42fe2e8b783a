using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Training.Callbacks;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>
/// A ready-to-train run of any model family: model, data, evaluator, loop options, the family's own callbacks, and
/// how to turn the outcome into a <see cref="RunReport"/>. Presets build plans; <see cref="ExperimentRunner"/> runs
/// them through the one loop.
/// </summary>
public sealed record RunPlan
{
    /// <summary>Preset name.</summary>
    public required string Preset { get; init; }

    /// <summary>Method name.</summary>
    public required string Method { get; init; }

    /// <summary>Seed.</summary>
    public required int Seed { get; init; }

    /// <summary>The model.</summary>
    public required IMultiTaskModel Model { get; init; }

    /// <summary>Training batches.</summary>
    public required ITrainingData Data { get; init; }

    /// <summary>Validation/test metrics.</summary>
    public required IEvaluator Evaluator { get; init; }

    /// <summary>The loop's options.</summary>
    public required TrainerOptions Options { get; init; }

    /// <summary>The loss-curve recorder (also feeds logs and TensorBoard).</summary>
    public required LossCurveCallback LossCurves { get; init; }

    /// <summary>The evaluation-curve recorder.</summary>
    public required MetricCurveCallback MetricCurves { get; init; }

    /// <summary>Further family callbacks (e.g. the allocation history of routed models).</summary>
    public IReadOnlyList<ITrainingCallback> Callbacks { get; init; } = [];

    /// <summary>The resolved configuration for the report (display strings).</summary>
    public IReadOnlyDictionary<string, string> Configuration { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// For runs over CSV data: the tasks with their fitted input encoding and label meanings (what prediction on new
    /// rows needs); null for other data.
    /// </summary>
    public Configuration.CsvTaskSet? Tabular { get; init; }

    /// <summary>
    /// For multi-input runs and sentence runs (<c>model.type</c> "multi-input" or "sentence"): what each task reads and
    /// how new inputs are encoded for it, in model task order (what prediction and export need); null for other runs.
    /// </summary>
    public IReadOnlyList<TaskInputFormat>? TaskInputs { get; init; }

    /// <summary>
    /// Whether the run's images are grey levels inverted, 1 − grey/255 (Omniglot's: ink 1 on a background of 0), so
    /// new images to predict on must be read the same way; false: grey/255 (MNIST's white digits on black).
    /// </summary>
    public bool InvertedImages { get; init; }

    /// <summary>Builds the family's report from the outcome (after the best parameters are restored).</summary>
    public required Func<TrainingOutcome, RunReport> BuildReport { get; init; }

    /// <summary>The loop for this plan with the plan's callbacks followed by <paramref name="extra"/>.</summary>
    public Trainer CreateTrainer(IEnumerable<ITrainingCallback> extra, IGradientReducer? reducer = null) =>
        new(Model, Data, Evaluator, reducer is null ? Options : Options with { GradientReducer = reducer }, [LossCurves, MetricCurves, .. Callbacks, .. extra]);
}
