using System.Diagnostics;

namespace MtlSharp.Tensors;

/// <summary>
/// The persistent worker threads behind <see cref="Threading.For"/>: created on first use (and when
/// <see cref="Threading.ThreadCount"/> grows), each waits for its own request word, spinning for a short while after
/// finishing a chunk (parallel regions of a training step come in quick succession) and then sleeping on an event.
/// Dispatching a region costs about a microsecond when the workers are spinning, instead of the tens of
/// microseconds of a thread-pool loop, and never waits for a busy thread pool.
/// </summary>
/// <remarks>
/// One region runs at a time: a caller that finds the pool taken (another thread is dispatching, or it is itself a
/// worker or the dispatching thread inside a body) is told to run its chunks inline. Worker w always runs chunk w;
/// the caller runs chunk 0 and then waits for the others. In a claiming region (<see cref="TryRunBlocks"/>) the caller
/// and the workers instead take blocks from a shared counter until none is left.
/// </remarks>
internal static class WorkerPool
{
    /// <summary>
    /// How long an idle worker spins before it sleeps: 1 ms, about as long as GNU OpenMP's default spin. With 100 µs
    /// the workers fell asleep between the parallel regions of a small model's step (the mnist4 step at 2 threads:
    /// 14,000–29,000 context switches per benchmark run against 400–500 with 1 ms) and each region paid a futex wake;
    /// step medians went from 0.56 to 0.49 ms (six interleaved runs each, 2-core Zen 4).
    /// </summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 1_000;

    private static readonly Lock s_gate = new();

    [ThreadStatic]
    private static bool t_inRegion;

    private static Worker[] s_workers = [];
    private static int s_generation;

    // The current region (written by the dispatcher before it publishes the requests).
    private static Threading.RangeBody? s_body;
    private static int s_count;
    private static int s_chunks;
    private static int s_pending;
    private static bool s_claim;
    private static int s_next;
    private static Exception?[] s_errors = [];

    /// <summary>Runs the region on the pool, or returns false when the caller must run it inline.</summary>
    public static bool TryRun(int chunks, int count, Threading.RangeBody body) => TryRunCore(chunks, count, body, claim: false);

    /// <summary>
    /// Runs body(b, b + 1) for the blocks b in [0, <paramref name="blocks"/>) on the caller and
    /// <paramref name="threads"/> − 1 workers, each claiming the next unclaimed block until none is left
    /// (<see cref="Threading.ForBlocks"/>); false when the caller must run them inline.
    /// </summary>
    public static bool TryRunBlocks(int threads, int blocks, Threading.RangeBody body) => TryRunCore(threads, blocks, body, claim: true);

    /// <summary>The blocks of a claiming region: body(b, b + 1) for each block this thread claims.</summary>
    private static void RunClaimed(Threading.RangeBody body, int blocks)
    {
        for (int b = Interlocked.Increment(ref s_next) - 1; b < blocks; b = Interlocked.Increment(ref s_next) - 1)
        {
            body(b, b + 1);
        }
    }

    private static bool TryRunCore(int chunks, int count, Threading.RangeBody body, bool claim)
    {
        if (t_inRegion || !s_gate.TryEnter())
        {
            return false;
        }

        try
        {
            t_inRegion = true;
            EnsureWorkers(chunks - 1);
            if (s_errors.Length < chunks)
            {
                s_errors = new Exception?[chunks];
            }

            s_body = body;
            s_count = count;
            s_chunks = chunks;
            s_claim = claim;
            s_next = 0;
            Volatile.Write(ref s_pending, chunks - 1);
            int gen = ++s_generation;
            Worker[] workers = s_workers;
            for (int w = 1; w < chunks; w++)
            {
                Volatile.Write(ref workers[w - 1].Requested, gen);
            }

            Interlocked.MemoryBarrier();
            for (int w = 1; w < chunks; w++)
            {
                Worker worker = workers[w - 1];
                if (Volatile.Read(ref worker.Sleeping) != 0)
                {
                    worker.Wake.Set();
                }
            }

            try
            {
                if (claim)
                {
                    RunClaimed(body, count);
                }
                else
                {
                    body(0, Threading.ChunkStart(1, chunks, count));
                }
            }
            catch (Exception e)
            {
                s_errors[0] = e;
            }

            var spin = new SpinWait();
            while (Volatile.Read(ref s_pending) != 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            s_body = null;
            List<Exception>? errors = null;
            for (int c = 0; c < chunks; c++)
            {
                if (s_errors[c] is { } e)
                {
                    (errors ??= []).Add(e);
                    s_errors[c] = null;
                }
            }

            if (errors is not null)
            {
                throw new AggregateException(errors);
            }

            return true;
        }
        finally
        {
            t_inRegion = false;
            s_gate.Exit();
        }
    }

    private static void EnsureWorkers(int needed)
    {
        if (s_workers.Length >= needed)
        {
            return;
        }

        var grown = new Worker[needed];
        Array.Copy(s_workers, grown, s_workers.Length);
        for (int i = s_workers.Length; i < needed; i++)
        {
            var worker = new Worker(i + 1, s_generation);
            grown[i] = worker;
            var thread = new Thread(worker.Loop) { IsBackground = true, Name = $"MtlSharp worker {i + 1}" };
            thread.Start();
        }

        s_workers = grown;
    }

    private sealed class Worker(int chunk, int generation)
    {
        public readonly ManualResetEventSlim Wake = new(false, 0);
        public int Requested = generation;
        public int Sleeping;
        private int _seen = generation;

        public void Loop()
        {
            t_inRegion = true;
            while (true)
            {
                WaitForRequest();
                _seen = Volatile.Read(ref Requested);
                int chunks = s_chunks, count = s_count;
                try
                {
                    if (s_claim)
                    {
                        RunClaimed(s_body!, count);
                    }
                    else
                    {
                        s_body!(Threading.ChunkStart(chunk, chunks, count), Threading.ChunkStart(chunk + 1, chunks, count));
                    }
                }
                catch (Exception e)
                {
                    s_errors[chunk] = e;
                }

                Interlocked.Decrement(ref s_pending);
            }
        }

        private void WaitForRequest()
        {
            long until = Stopwatch.GetTimestamp() + SpinTicks;
            int spins = 0;
            while (Volatile.Read(ref Requested) == _seen)
            {
                if (++spins < 64 || Stopwatch.GetTimestamp() < until)
                {
                    Thread.SpinWait(8);
                    continue;
                }

                Wake.Reset();
                Volatile.Write(ref Sleeping, 1);
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref Requested) == _seen)
                {
                    Wake.Wait();
                }

                Volatile.Write(ref Sleeping, 0);
                until = Stopwatch.GetTimestamp() + SpinTicks;
                spins = 0;
            }
        }
    }
}
