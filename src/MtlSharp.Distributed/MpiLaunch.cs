namespace MtlSharp.Distributed;

/// <summary>
/// Whether this process was started by Open MPI's <c>mpirun</c> (its environment names the job's size and this
/// process's rank). Reading it loads nothing: a process outside mpirun never touches MPI.
/// </summary>
public static class MpiLaunch
{
    /// <summary>The variable Open MPI sets to the number of processes in the job.</summary>
    public const string SizeVariable = "OMPI_COMM_WORLD_SIZE";

    /// <summary>The variable Open MPI sets to this process's rank.</summary>
    public const string RankVariable = "OMPI_COMM_WORLD_RANK";

    /// <summary>True when the process runs under mpirun.</summary>
    public static bool IsLaunched => Environment.GetEnvironmentVariable(SizeVariable) is { Length: > 0 };

    /// <summary>The job's size from the environment (1 outside mpirun).</summary>
    public static int Size => int.TryParse(Environment.GetEnvironmentVariable(SizeVariable), out int n) && n > 0 ? n : 1;

    /// <summary>This process's rank from the environment (0 outside mpirun).</summary>
    public static int Rank => int.TryParse(Environment.GetEnvironmentVariable(RankVariable), out int r) && r >= 0 ? r : 0;
}
