namespace MtlSharp.Distributed;

/// <summary>
/// Ends the whole job when a collective does not complete in time: a process that died or hangs would otherwise leave
/// every other one blocked forever. One background thread checks the deadline of the collective in progress; past it,
/// it prints which collective timed out and calls <c>MPI_Abort</c> (mpirun then ends every process).
/// </summary>
internal sealed class CollectiveWatchdog : IDisposable
{
    private readonly TimeSpan _timeout;
    private readonly Action<string> _abort;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private long _deadline = long.MaxValue;
    private string _what = "";

    public CollectiveWatchdog(TimeSpan timeout, Action<string> abort)
    {
        _timeout = timeout;
        _abort = abort;
        _thread = new Thread(Watch) { IsBackground = true, Name = "mpi-watchdog" };
        _thread.Start();
    }

    /// <summary>The longest a collective may take.</summary>
    public TimeSpan Timeout => _timeout;

    /// <summary>A collective starts (<paramref name="what"/> names it in the message).</summary>
    public void Begin(string what)
    {
        Volatile.Write(ref _what, what);
        Volatile.Write(ref _deadline, Environment.TickCount64 + (long)_timeout.TotalMilliseconds);
    }

    /// <summary>The collective completed.</summary>
    public void End() => Volatile.Write(ref _deadline, long.MaxValue);

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _stop.Dispose();
    }

    private void Watch()
    {
        while (!_stop.Wait(100))
        {
            if (Environment.TickCount64 > Volatile.Read(ref _deadline))
            {
                _abort(Volatile.Read(ref _what));
                return;
            }
        }
    }
}
