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

        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
        {
            int start = (int)((long)c * count / chunks);
            int end = (int)((long)(c + 1) * count / chunks);
            body(start, end);
        });
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
