namespace MtlSharp.Cli;

/// <summary>A run's command line (<c>run.json</c>, and the <c>config</c> of its checkpoints).</summary>
/// <param name="Args">The <c>mtl train</c> arguments that rebuild the run.</param>
internal sealed record StoredRun(IReadOnlyList<string> Args);
