using System.Text.Json;
using MtlSharp.MultiTask.Training;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>Where and how <see cref="ExperimentRunner"/> runs a plan: output folder, resume, checkpoints, logs.</summary>
public sealed record RunOptions
{
    /// <summary>The run folder (report, checkpoints, logs); null writes nothing.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Continue from <c>checkpoints/last</c> when it exists (a fresh start otherwise).</summary>
    public bool Resume { get; init; }

    /// <summary>Save the resumable state every this many updates (0: not by count).</summary>
    public long CheckpointEverySteps { get; init; }

    /// <summary>Save the resumable state every this many seconds of training (default 120; 0: not by time).</summary>
    public double CheckpointEverySeconds { get; init; } = 120;

    /// <summary>Write TensorBoard event files into <c>OUT/tensorboard</c>.</summary>
    public bool TensorBoard { get; init; } = true;

    /// <summary>Strings stored in every checkpoint (preset, method, seed…).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>The run's configuration (as given on the command line), stored in every checkpoint.</summary>
    public JsonElement? Config { get; init; }

    /// <summary>Progress sink.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Updates between progress reports (besides evaluations and the end).</summary>
    public int ProgressEvery { get; init; } = 50;

    /// <summary>
    /// Task-relationship measurements during training (gradient statistics of the shared layers, TAG lookahead
    /// affinity); null measures nothing. Results go to the report, the metrics log and TensorBoard.
    /// </summary>
    public Training.Callbacks.RelationshipOptions? Relationships { get; init; }

    /// <summary>
    /// Data-parallel training across processes (null: one process). Every process trains the same run; rank 0 alone
    /// writes the output folder (checkpoints, logs, reports) and reports progress; on resume every process loads the
    /// same checkpoint from <see cref="OutputDirectory"/>.
    /// </summary>
    public Training.IGradientReducer? GradientReducer { get; init; }
}
