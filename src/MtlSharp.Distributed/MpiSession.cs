using System.Globalization;

namespace MtlSharp.Distributed;

/// <summary>
/// This process's part in an MPI job (Open MPI, <c>MPI_COMM_WORLD</c>): initialised once at start under
/// <c>mpirun</c>, finalised by <see cref="Dispose"/>. Its collectives are timed by a watchdog: one that does not
/// complete within <see cref="CollectiveTimeout"/> (another process died or hangs) prints what timed out and aborts
/// the whole job instead of hanging. Call collectives from one thread, in the same order on every process.
/// </summary>
public sealed unsafe class MpiSession : IDisposable
{
    /// <summary>The environment variable that sets <see cref="CollectiveTimeout"/> in seconds (default 300).</summary>
    public const string TimeoutVariable = "MTL_MPI_TIMEOUT";

    private const int Chunk = 1 << 28;
    private readonly OpenMpi _mpi;
    private readonly CollectiveWatchdog _watchdog;
    private bool _disposed;

    private MpiSession(OpenMpi mpi, TimeSpan timeout)
    {
        _mpi = mpi;
        int provided;
        Check(_mpi.InitThread(null, null, OpenMpi.ThreadMultiple, &provided), "MPI_Init_thread");
        int rank, size;
        Check(_mpi.CommRank(_mpi.CommWorld, &rank), "MPI_Comm_rank");
        Check(_mpi.CommSize(_mpi.CommWorld, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
        ThreadLevel = provided;
        CollectiveTimeout = timeout;
        _watchdog = new CollectiveWatchdog(timeout, OnTimeout);
    }

    /// <summary>This process's rank in <c>MPI_COMM_WORLD</c>.</summary>
    public int Rank { get; }

    /// <summary>The number of processes.</summary>
    public int Size { get; }

    /// <summary>Whether this process is rank 0 (the one that writes files).</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>The thread support level MPI provided (3: MPI_THREAD_MULTIPLE, what the watchdog's abort wants).</summary>
    public int ThreadLevel { get; }

    /// <summary>The longest a timed collective may take before the job is aborted.</summary>
    public TimeSpan CollectiveTimeout { get; }

    /// <summary>
    /// Starts MPI in a process launched by mpirun (see <see cref="MpiLaunch.IsLaunched"/>); the collective timeout
    /// comes from <see cref="TimeoutVariable"/> unless given.
    /// </summary>
    public static MpiSession Start(TimeSpan? timeout = null)
    {
        var t = timeout ?? TimeoutFromEnvironment();
        return new MpiSession(OpenMpi.Load(), t);
    }

    /// <summary>The collective timeout of <see cref="TimeoutVariable"/> (default 300 s).</summary>
    public static TimeSpan TimeoutFromEnvironment()
    {
        string? v = Environment.GetEnvironmentVariable(TimeoutVariable);
        if (string.IsNullOrEmpty(v))
        {
            return TimeSpan.FromSeconds(300);
        }

        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) || !(s > 0) || s > 1e7)
        {
            throw new ArgumentException($"{TimeoutVariable}={v}: expected a positive number of seconds.");
        }

        return TimeSpan.FromSeconds(s);
    }

    /// <summary>Blocks until every process arrives (timed unless <paramref name="timed"/> is false).</summary>
    public void Barrier(string what, bool timed = true)
    {
        Begin(what, timed);
        Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier");
        _watchdog.End();
    }

    /// <summary>
    /// Waits, without a time limit and without spinning, until every process arrives (<c>MPI_Ibarrier</c> tested every
    /// 50 ms): for the end of a sweep, where processes finish their runs at different times.
    /// </summary>
    public void WaitForAll()
    {
        Begin("waiting for the other processes", false);
        nint request;
        Check(_mpi.Ibarrier(_mpi.CommWorld, &request), "MPI_Ibarrier");
        int done = 0;
        while (true)
        {
            Check(_mpi.Test(&request, &done, null), "MPI_Test");
            if (done != 0)
            {
                return;
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>Sums <paramref name="values"/> over the processes in place (<c>MPI_Allreduce</c>, MPI_SUM).</summary>
    public void AllreduceSum(Span<float> values, string what = "the all-reduce of gradients")
    {
        Begin(what, true);
        fixed (float* p = values)
        {
            for (long at = 0; at < values.Length; at += Chunk)
            {
                int n = (int)Math.Min(Chunk, values.Length - at);
                Check(_mpi.Allreduce((void*)1, p + at, n, _mpi.Float, _mpi.Sum, _mpi.CommWorld), "MPI_Allreduce");
            }
        }

        _watchdog.End();
    }

    /// <summary>Sums <paramref name="values"/> over the processes in place (<c>MPI_Allreduce</c>, MPI_SUM).</summary>
    public void AllreduceSum(Span<double> values, string what)
    {
        Begin(what, true);
        fixed (double* p = values)
        {
            for (long at = 0; at < values.Length; at += Chunk)
            {
                int n = (int)Math.Min(Chunk, values.Length - at);
                Check(_mpi.Allreduce((void*)1, p + at, n, _mpi.Double, _mpi.Sum, _mpi.CommWorld), "MPI_Allreduce");
            }
        }

        _watchdog.End();
    }

    /// <summary>
    /// Gathers <paramref name="mine"/> (the same length on every process) from every process into <paramref name="all"/>
    /// (<see cref="Size"/> × its length, rank order; <c>MPI_Allgather</c>).
    /// </summary>
    public void Allgather(ReadOnlySpan<byte> mine, Span<byte> all, string what, bool timed = true)
    {
        if (all.Length != (long)mine.Length * Size)
        {
            throw new ArgumentException($"Allgather: {all.Length} bytes for {Size} × {mine.Length}.", nameof(all));
        }

        Begin(what, timed);
        fixed (byte* s = mine)
        fixed (byte* r = all)
        {
            Check(_mpi.Allgather(s, mine.Length, _mpi.Byte, r, mine.Length, _mpi.Byte, _mpi.CommWorld), "MPI_Allgather");
        }

        _watchdog.End();
    }

    /// <summary>
    /// Every process's <paramref name="mine"/> (<paramref name="counts"/>[r] values from process r, counts known to
    /// every process) into <paramref name="all"/>, in rank order (<c>MPI_Allgatherv</c>).
    /// </summary>
    public void Allgatherv(ReadOnlySpan<float> mine, Span<float> all, ReadOnlySpan<int> counts, string what)
    {
        if (counts.Length != Size || counts[Rank] != mine.Length)
        {
            throw new ArgumentException($"Allgatherv: {counts.Length} counts for {Size} processes, or {mine.Length} values where rank {Rank}'s count says otherwise.", nameof(counts));
        }

        var displs = new int[Size];
        long total = 0;
        for (int r = 0; r < Size; r++)
        {
            displs[r] = (int)total;
            total += counts[r];
            if (total > int.MaxValue)
            {
                throw new NotSupportedException($"{what}: more than 2³¹ values to gather.");
            }
        }

        if (all.Length != total)
        {
            throw new ArgumentException($"Allgatherv: {all.Length} values for {total} gathered.", nameof(all));
        }

        Begin(what, true);
        fixed (float* s = mine)
        fixed (float* r = all)
        fixed (int* c = counts)
        fixed (int* d = displs)
        {
            Check(_mpi.Allgatherv(s, mine.Length, _mpi.Float, r, c, d, _mpi.Float, _mpi.CommWorld), "MPI_Allgatherv");
        }

        _watchdog.End();
    }

    /// <summary>Every process's <paramref name="mine"/> (any length), in rank order (<c>MPI_Allgatherv</c>).</summary>
    public byte[][] AllgatherVariable(ReadOnlySpan<byte> mine, string what, bool timed = true)
    {
        var lengths = new byte[4 * Size];
        Allgather(BitConverter.GetBytes(mine.Length), lengths, what, timed);
        var counts = new int[Size];
        var displs = new int[Size];
        long total = 0;
        for (int r = 0; r < Size; r++)
        {
            counts[r] = BitConverter.ToInt32(lengths, 4 * r);
            displs[r] = (int)total;
            total += counts[r];
            if (total > int.MaxValue)
            {
                throw new NotSupportedException($"{what}: more than 2 GB to gather.");
            }
        }

        var buffer = new byte[total];
        Begin(what, timed);
        fixed (byte* s = mine)
        fixed (byte* r = buffer)
        fixed (int* c = counts)
        fixed (int* d = displs)
        {
            Check(_mpi.Allgatherv(s, mine.Length, _mpi.Byte, r, c, d, _mpi.Byte, _mpi.CommWorld), "MPI_Allgatherv");
        }

        _watchdog.End();
        return [.. Enumerable.Range(0, Size).Select(r => buffer.AsSpan(displs[r], counts[r]).ToArray())];
    }

    /// <summary>Copies rank <paramref name="root"/>'s <paramref name="data"/> to every process (<c>MPI_Bcast</c>).</summary>
    public void Broadcast(Span<byte> data, int root, string what)
    {
        Begin(what, true);
        fixed (byte* p = data)
        {
            Check(_mpi.Bcast(p, data.Length, _mpi.Byte, root, _mpi.CommWorld), "MPI_Bcast");
        }

        _watchdog.End();
    }

    /// <summary>Prints <paramref name="message"/> and ends every process of the job (<c>MPI_Abort</c>).</summary>
    public void Abort(int code, string message)
    {
        Console.Error.WriteLine($"mtl: rank {Rank} of {Size}: {message}");
        Console.Error.Flush();
        _ = _mpi.Abort(_mpi.CommWorld, code);
        Environment.Exit(code);   // MPI_Abort does not return; if it did, this process still ends
    }

    /// <summary>Finalises MPI (every process must call it; after a failure use <see cref="Abort"/> instead).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _watchdog.Dispose();
        int finalized;
        if (_mpi.Finalized(&finalized) == OpenMpi.Success && finalized == 0)
        {
            _ = _mpi.FinalizeMpi();
        }
    }

    private void Begin(string what, bool timed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (timed)
        {
            _watchdog.Begin(what);
        }
        else
        {
            _watchdog.End();
        }
    }

    private void OnTimeout(string what)
    {
        var seconds = CollectiveTimeout.TotalSeconds.ToString("G4", CultureInfo.InvariantCulture);
        Abort(3, $"{what} did not complete within {seconds} s: another process of the job has died or hangs; aborting the job ({TimeoutVariable} sets the limit in seconds).");
    }

    private static void Check(int code, string function)
    {
        if (code != OpenMpi.Success)
        {
            throw new InvalidOperationException($"{function} failed with MPI error {code}.");
        }
    }
}
