using MtlSharp.Distributed;
using MtlSharp.MultiTask.Training;

namespace MtlSharp.Cli;

/// <summary>
/// The MPI job this <c>mtl</c> process belongs to, when started by <c>mpirun</c> (null outside it: nothing of MPI is
/// loaded). <c>mtl train</c> trains data-parallel over it; <c>mtl reproduce</c> shares its runs out over it.
/// </summary>
internal static class Cluster
{
    /// <summary>The environment variable that chooses how gradients are summed: allreduce (default) or rank-order.</summary>
    public const string ReductionVariable = "MTL_MPI_REDUCTION";

    /// <summary>The exit code of a run stopped by Ctrl-C or SIGTERM (every process of the job stops at the same update).</summary>
    public const int CancelledCode = 130;

    /// <summary>
    /// Whether a data-parallel run was stopped (Ctrl-C, SIGTERM) and every process stopped after the same update, so
    /// the job ends normally; a sweep's processes run on their own, and one stopped alone still ends the job.
    /// </summary>
    public static bool StoppedTogether { get; set; }

    /// <summary>This process's MPI session (null outside mpirun).</summary>
    public static MpiSession? Session { get; private set; }

    /// <summary>Rank 0, or the only process: the one that writes and prints.</summary>
    public static bool IsRoot => Session is null || Session.IsRoot;

    /// <summary>Starts MPI when the process runs under mpirun.</summary>
    public static void Start()
    {
        if (MpiLaunch.IsLaunched)
        {
            Session = MpiSession.Start();
        }
    }

    /// <summary>The data-parallel reducer of a training run (null with one process).</summary>
    public static IGradientReducer? Reducer()
    {
        if (Session is not { Size: > 1 } s)
        {
            return null;
        }

        string? v = Environment.GetEnvironmentVariable(ReductionVariable);
        var order = v switch
        {
            null or "" or "allreduce" => ReductionOrder.AllReduce,
            "rank-order" => ReductionOrder.RankOrder,
            _ => throw new UsageException($"{ReductionVariable}={v}: expected allreduce or rank-order"),
        };
        return new MpiGradientReducer(s, order);
    }

    /// <summary>
    /// Ends MPI: finalised after success or a coordinated stop (<see cref="StoppedTogether"/>); after a failure of a job of several processes the whole job is aborted, so that the others
    /// do not wait for this one.
    /// </summary>
    public static int Stop(int code)
    {
        if (Session is { } s)
        {
            if (code == CancelledCode && StoppedTogether && s.Size > 1)
            {
                // mpirun ends the job when a process exits with an error code: wait until rank 0 has written the
                // checkpoint and report.
                s.Barrier("the end of the stopped run");
            }
            else if (code != 0 && s.Size > 1)
            {
                s.Abort(code, $"this process failed (exit code {code}); ending the job.");
            }

            s.Dispose();
            Session = null;
        }

        return code;
    }
}
