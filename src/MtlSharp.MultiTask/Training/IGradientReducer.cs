namespace MtlSharp.MultiTask.Training;

/// <summary>
/// Data parallelism across processes (MtlSharp.Distributed implements it on MPI): the loop's hook that lets each of
/// <see cref="Size"/> processes compute the gradients of its share of every batch and combine them so that every
/// process applies the same update as one process with the whole batch. Collectives must be called by every process
/// in the same order, and must give every process the same bits.
/// </summary>
public interface IGradientReducer
{
    /// <summary>This process's rank (0 … <see cref="Size"/> − 1); rank 0 writes the run's files.</summary>
    int Rank { get; }

    /// <summary>The number of processes.</summary>
    int Size { get; }

    /// <summary>Sums <paramref name="values"/> element-wise over the processes, in place, in a fixed order.</summary>
    void Sum(Span<float> values);

    /// <summary>
    /// Gathers <paramref name="mine"/> (the same length on every process) from every process into
    /// <paramref name="all"/> (<see cref="Size"/> × that length, in rank order).
    /// </summary>
    void Gather(ReadOnlySpan<byte> mine, Span<byte> all);

    /// <summary>
    /// Gathers <paramref name="mine"/> (<paramref name="counts"/>[<see cref="Rank"/>] values; the counts are known to
    /// every process) from every process into <paramref name="all"/>, in rank order: process r's values at the sum of
    /// the counts before r.
    /// </summary>
    void GatherVarying(ReadOnlySpan<float> mine, Span<float> all, ReadOnlySpan<int> counts);
}
