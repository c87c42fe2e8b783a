namespace MtlSharp.Tensors;

/// <summary>
/// The engine's thread count and its deterministic parallel loop.
/// </summary>
/// <remarks>
/// Work is cut into chunks that depend only on the problem size and <see cref="ThreadCount"/>, never on timing,
/// and each chunk writes disjoint output (reductions combine per-chunk partials in chunk order). So with a fixed
/// seed and thread count, results are bit-identical from run to run.
/// </remarks>
public static class Threading
{
    private static int s_threads = Environment.ProcessorCount;

    /// <summary>Threads the kernels may use (default: all cores). Like <c>torch.set_num_threads</c>.</summary>
    public static int ThreadCount
    {
        get => s_threads;
        set
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), $"Thread count must be at least 1, got {value}.");
            }

            s_threads = value;
        }
    }

    /// <summary>A loop body over the half-open range [start, end).</summary>
    public delegate void RangeBody(int start, int end);

    /// <summary>
    /// Runs <paramref name="body"/> over [0, <paramref name="count"/>) cut into at most <see cref="ThreadCount"/>
    /// contiguous chunks of at least <paramref name="grain"/> items; runs inline when one chunk suffices.
    /// </summary>
    /// <remarks>
    /// Chunks run on a persistent pool of worker threads (created once, spinning briefly between regions, then
    /// sleeping); the calling thread runs chunk 0. A call made from inside a running body (or while another thread
    /// holds the pool) runs its chunks one after another on the calling thread, with the same boundaries.
    /// Exceptions from chunks are collected and rethrown as an <see cref="AggregateException"/>.
    /// </remarks>
    public static void For(int count, int grain, RangeBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        int chunks = ChunkCount(count, grain);
        if (chunks <= 1)
        {
            if (count > 0)
            {
                body(0, count);
            }

            return;
        }

        if (!WorkerPool.TryRun(chunks, count, body))
        {
            RunSequential(chunks, count, body);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/>(b, b + 1) for every block b in [0, <paramref name="blocks"/>), on up to
    /// <see cref="ThreadCount"/> threads that claim the blocks in order from a shared counter: a thread that is held up
    /// (the other vCPU taken by another job for a while) leaves its share to the threads still running, where a fixed
    /// split into one chunk per thread would wait for it. Which thread runs a block depends on timing, so only for
    /// bodies whose every block writes its own output the same way wherever it runs (no per-thread partial sums):
    /// results are then bit-identical run to run as with <see cref="For"/>. Inline, in order, when one thread suffices
    /// or the pool is taken.
    /// </summary>
    public static void ForBlocks(int blocks, RangeBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        int threads = Math.Min(s_threads, blocks);
        if (threads <= 1 || !WorkerPool.TryRunBlocks(threads, blocks, body))
        {
            RunSequential(blocks, blocks, body);
        }
    }

    /// <summary>Start of chunk <paramref name="c"/> of <paramref name="chunks"/> over <paramref name="count"/> items.</summary>
    internal static int ChunkStart(int c, int chunks, int count) => (int)((long)c * count / chunks);

    private static void RunSequential(int chunks, int count, RangeBody body)
    {
        List<Exception>? errors = null;
        for (int c = 0; c < chunks; c++)
        {
            try
            {
                body(ChunkStart(c, chunks, count), ChunkStart(c + 1, chunks, count));
            }
            catch (Exception e)
            {
                (errors ??= []).Add(e);
            }
        }

        if (errors is not null)
        {
            throw new AggregateException(errors);
        }
    }

    /// <summary>How many chunks <see cref="For"/> cuts <paramref name="count"/> items into.</summary>
    public static int ChunkCount(int count, int grain)
    {
        if (count <= 0)
        {
            return 0;
        }

        int byGrain = Math.Max(1, count / Math.Max(1, grain));
        return Math.Min(s_threads, byGrain);
    }
}
