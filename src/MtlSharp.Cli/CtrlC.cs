using System.Runtime.InteropServices;

namespace MtlSharp.Cli;

/// <summary>
/// The one Ctrl-C handler: the first Ctrl-C (SIGINT), SIGTERM or SIGUSR1 asks the running loop to finish its update,
/// save its last checkpoint and its report, and exit with 130; a second one ends the process at once. SIGTERM is what
/// mpirun sends every process of a job on Ctrl-C (after SIGCONT and <c>odls_base_sigkill_timeout</c> seconds, then
/// SIGKILL as long again); SIGUSR1 is forwarded by mpirun at once. Under data parallelism the processes agree on the
/// stop and all stop after the same update.
/// </summary>
internal sealed class CtrlC : IDisposable
{
    /// <summary>SIGUSR1 on Linux (a raw signal number: <see cref="PosixSignal"/> does not name it).</summary>
    private const int SigUsr1 = 10;

    private readonly CancellationTokenSource _cts = new();
    private readonly ConsoleCancelEventHandler _handler;
    private readonly PosixSignalRegistration[] _signals;

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

    private void OnSignal(PosixSignalContext context) => context.Cancel = Request();

    /// <summary>The first request cancels the token (true: the signal is handled); a second one is left to the runtime.</summary>
    private bool Request()
    {
        if (_cts.IsCancellationRequested)
        {
            return false; // second request: let the runtime end the process
        }

        _cts.Cancel();
        Console.Error.WriteLine("\nstopping: finishing the current update, saving the last checkpoint and the report… (Ctrl-C again to quit at once)");
        return true;
    }
}
