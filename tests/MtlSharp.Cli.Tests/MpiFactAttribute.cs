namespace MtlSharp.Cli.Tests;

/// <summary>
/// A fact that runs <c>mtl</c> under Open MPI's <c>mpirun</c>; skipped, saying so, only when mpirun is absent and the
/// tests do not run on CI (CI=true installs Open MPI, so there the test runs, and fails without it).
/// </summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiRun.Executable is null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "mpirun (Open MPI) is not installed: apt-get install openmpi-bin libopenmpi-dev";
        }
    }

    /// <summary>A shared dataset folder the test reads (../shared/datasets/NAME); the test is skipped, naming it, when absent.</summary>
    public string? Dataset
    {
        get;
        set
        {
            field = value;
            if (value is not null && !Directory.Exists(Path.Combine(EwtFactAttribute.DatasetsDir, value)))
            {
                Skip ??= $"Shared dataset folder {Path.Combine(EwtFactAttribute.DatasetsDir, value)} is absent.";
            }
        }
    }
}
