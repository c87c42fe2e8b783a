using System.Globalization;

namespace MtlSharp.Cli;

/// <summary>
/// How long mpirun lets the processes of a job save after Ctrl-C. Open MPI 4.1 does not forward SIGINT: mpirun ends
/// the job by sending every process SIGCONT, then SIGTERM <c>odls_base_sigkill_timeout</c> seconds later (default 1),
/// then SIGKILL as long after that — and it waits out both delays even when the processes have already exited. mtl
/// stops on the SIGCONT (<see cref="CtrlC"/>), so the processes have 2 × the timeout to finish the update and write
/// rank 0's checkpoint; the default 2 s is short for a long update on a busy machine, so mtl names the option that
/// makes Ctrl-C reliable. mpirun passes <c>--mca odls_base_sigkill_timeout N</c> (and the same variable set in its
/// environment) to the processes as <see cref="Variable"/>, which is how mtl reads it.
/// </summary>
internal static class MpiStopNotice
{
    /// <summary>The environment variable mpirun's <c>--mca odls_base_sigkill_timeout N</c> sets in every process.</summary>
    public const string Variable = "OMPI_MCA_odls_base_sigkill_timeout";

    /// <summary>The timeout that makes Ctrl-C on mpirun reliable (the documented option).</summary>
    public const int ReliableSeconds = 10;

    /// <summary>The exact mpirun option that makes Ctrl-C reliable.</summary>
    public static string Option => $"--mca odls_base_sigkill_timeout {ReliableSeconds}";

    /// <summary>mpirun's odls_base_sigkill_timeout in seconds (Open MPI's default 1 when not set).</summary>
    public static int TimeoutSeconds =>
        int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s >= 0 ? s : 1;

    /// <summary>Whether the timeout leaves less than the documented time to save after Ctrl-C.</summary>
    public static bool IsShort => TimeoutSeconds < ReliableSeconds;

    /// <summary>What mpirun's timer leaves the processes, and the option when it is short.</summary>
    public static string Describe() => IsShort
        ? $"mpirun kills the processes {2 * TimeoutSeconds} s after Ctrl-C; for a reliable Ctrl-C start mpirun with {Option}"
        : $"mpirun kills the processes {2 * TimeoutSeconds} s after Ctrl-C";

    /// <summary>The line rank 0 prints when a data-parallel run starts with a short timeout (null otherwise).</summary>
    public static string? Hint() => IsShort
        ? $"mtl: Ctrl-C on mpirun leaves the processes {2 * TimeoutSeconds} s to save the last checkpoint before mpirun kills them; for a reliable Ctrl-C start mpirun with {Option} (or stop the job with kill -USR1 <mpirun's pid>)"
        : null;
}
