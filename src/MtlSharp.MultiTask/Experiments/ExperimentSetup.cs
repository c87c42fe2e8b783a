using MtlSharp.MultiTask.Architectures;
using MtlSharp.MultiTask.Training;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>A ready-to-train experiment: the model, the tasks, and the training options.</summary>
/// <param name="Preset">The preset.</param>
/// <param name="Method">The routing method.</param>
/// <param name="Model">The network.</param>
/// <param name="Tasks">Task datasets, in the model's task order.</param>
/// <param name="Options">Training hyper-parameters.</param>
public sealed record ExperimentSetup(PresetId Preset, RoutingMethod Method, RoutedNetwork Model, IReadOnlyList<TaskData> Tasks, RoutedTrainingOptions Options);
