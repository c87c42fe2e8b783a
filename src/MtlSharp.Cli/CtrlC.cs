using System.Runtime.InteropServices;

namespace MtlSharp.Cli;

/// <summary>
/// The one Ctrl-C handler: the first Ctrl-C (SIGINT), SIGTERM or SIGUSR1 asks the running loop to finish its update,
/// save its last checkpoint and its report, and exit with 130; a second one ends the process at once. SIGUSR1 is
/// forwarded by mpirun at once. Under data parallelism the processes agree on the stop and all stop after the same
/// update.
/// </summary>
/// <remarks>
/// Under mpirun, Ctrl-C (SIGINT) reaches mpirun alone (each process has its own process group), and Open MPI 4.1 does
/// not forward it: it ends the job by sending every process SIGCONT at once, SIGTERM
/// <c>odls_base_sigkill_timeout</c> seconds later and SIGKILL as long after that (<see cref="MpiStopNotice"/>). So
/// under mpirun a SIGCONT that does not follow a job-control stop (SIGTSTP, forwarded by mpirun on Ctrl-Z) is the
/// stop request — it gives the processes the whole 2 × timeout to save — and a further SIGTERM is absorbed rather
/// than ending the process before its checkpoint (mpirun's SIGKILL ends it if it takes too long).
/// </remarks>
internal sealed class CtrlC : IDisposable
{
    /// <summary>SIGUSR1 on Linux (a raw signal number: <see cref="PosixSignal"/> does not name it).</summary>
    private const int SigUsr1 = 10;

    private readonly CancellationTokenSource _cts = new();
    private readonly ConsoleCancelEventHandler _handler;
    private readonly PosixSignalRegistration[] _signals;
    private readonly bool _underMpirun = MtlSharp.Distributed.MpiLaunch.IsLaunched;
    private volatile bool _jobControlStopped;

    private CtrlC()
    {
        _handler = (_, e) =>
        {
            if (Request())
            {
                e.Cancel = true;
            }
        };
        Console.CancelKeyPress += _handler;
        _signals = OperatingSystem.IsWindows()
            ? []
            :
            _underMpirun
            ?
            [
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
                PosixSignalRegistration.Create((PosixSignal)SigUsr1, OnSignal),
                PosixSignalRegistration.Create(PosixSignal.SIGTSTP, _ => _jobControlStopped = true),   // default action (stop) follows
                PosixSignalRegistration.Create(PosixSignal.SIGCONT, OnContinue),
            ]
            :
            [
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
                PosixSignalRegistration.Create((PosixSignal)SigUsr1, OnSignal),
            ];
    }

    /// <summary>The token the loop watches.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Installs the handler until disposed.</summary>
    public static CtrlC Install() => new();

    /// <inheritdoc/>
    public void Dispose()
    {
        Console.CancelKeyPress -= _handler;
        foreach (var s in _signals)
        {
            s.Dispose();
        }

        _cts.Dispose();
    }

    private void OnSignal(PosixSignalContext context) => context.Cancel = Request(absorbRepeat: _underMpirun && context.Signal == PosixSignal.SIGTERM);

    /// <summary>Under mpirun: SIGCONT after a job-control stop resumes; otherwise it is mpirun ending the job.</summary>
    private void OnContinue(PosixSignalContext context)
    {
        if (_jobControlStopped)
        {
            _jobControlStopped = false;
            return;
        }

        Request(absorbRepeat: true, mpirunEnding: true);
    }

    /// <summary>
    /// The first request cancels the token (true: the signal is handled); a second one is left to the runtime, except
    /// a SIGTERM under mpirun (<paramref name="absorbRepeat"/>: mpirun's SIGTERM follows its SIGCONT, and the process
    /// keeps saving).
    /// </summary>
    private bool Request(bool absorbRepeat = false, bool mpirunEnding = false)
    {
        if (_cts.IsCancellationRequested)
        {
            return absorbRepeat;   // a second request: let the runtime end the process, unless absorbed
        }

        _cts.Cancel();
        Console.Error.WriteLine(_underMpirun && mpirunEnding
            ? $"\nstopping: mpirun is ending the job; finishing the current update, saving the last checkpoint and the report ({MpiStopNotice.Describe()})"
            : "\nstopping: finishing the current update, saving the last checkpoint and the report… (Ctrl-C again to quit at once)");
        return true;
    }
}
