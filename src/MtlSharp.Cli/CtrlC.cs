namespace MtlSharp.Cli;

/// <summary>
/// The one Ctrl-C handler: the first Ctrl-C asks the running loop to finish its update, save its last checkpoint and
/// its report, and exit with 130; a second one ends the process at once.
/// </summary>
internal sealed class CtrlC : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly ConsoleCancelEventHandler _handler;

    private CtrlC()
    {
        _handler = (_, e) =>
        {
            if (_cts.IsCancellationRequested)
            {
                return; // second Ctrl-C: let the runtime end the process
            }

            e.Cancel = true;
            _cts.Cancel();
            Console.Error.WriteLine("\nstopping: finishing the current update, saving the last checkpoint and the report… (Ctrl-C again to quit at once)");
        };
        Console.CancelKeyPress += _handler;
    }

    /// <summary>The token the loop watches.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Installs the handler until disposed.</summary>
    public static CtrlC Install() => new();

    /// <inheritdoc/>
    public void Dispose()
    {
        Console.CancelKeyPress -= _handler;
        _cts.Dispose();
    }
}
