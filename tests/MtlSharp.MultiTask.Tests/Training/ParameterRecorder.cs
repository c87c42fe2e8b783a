using MtlSharp.MultiTask.Training;

namespace MtlSharp.MultiTask.Tests.Training;

/// <summary>Records every parameter value at each evaluation, by update.</summary>
internal sealed class ParameterRecorder : TrainingCallback
{
    public Dictionary<long, float[]> At { get; } = [];

    public override string Name => "parameter-recorder";

    public override void OnEvaluation(TrainingRun run, EvaluationResult evaluation) =>
        At[evaluation.Step] = run.Model.Module.Parameters().SelectMany(p => p.Data.ToArray()).ToArray();
}
