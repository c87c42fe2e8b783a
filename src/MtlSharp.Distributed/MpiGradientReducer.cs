using MtlSharp.MultiTask.Training;

namespace MtlSharp.Distributed;

/// <summary>
/// The training loop's data parallelism (<see cref="IGradientReducer"/>) over an <see cref="MpiSession"/>: sums with
/// <c>MPI_Allreduce</c> (Open MPI chooses its algorithm from the message size and the number of processes, never from
/// timing, and every process receives the same bits), or — <see cref="ReductionOrder.RankOrder"/> — gathers every
/// process's values and adds them in rank order on each process (the same result by construction, at the cost of
/// moving every process's gradients to every other).
/// </summary>
public sealed class MpiGradientReducer(MpiSession session, ReductionOrder order = ReductionOrder.AllReduce) : IGradientReducer
{
    private byte[] _gathered = [];

    /// <inheritdoc/>
    public int Rank => session.Rank;

    /// <inheritdoc/>
    public int Size => session.Size;

    /// <summary>How sums are formed.</summary>
    public ReductionOrder Order => order;

    /// <inheritdoc/>
    public void Sum(Span<float> values)
    {
        if (order == ReductionOrder.AllReduce)
        {
            session.AllreduceSum(values);
            return;
        }

        int bytes = checked(values.Length * sizeof(float));
        if (_gathered.Length != (long)bytes * Size)
        {
            _gathered = new byte[checked(bytes * Size)];
        }

        session.Allgather(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values), _gathered, "the gathering of gradients");
        var all = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_gathered.AsSpan());
        all[..values.Length].CopyTo(values);
        for (int r = 1; r < Size; r++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(values, all.Slice(r * values.Length, values.Length), values);
        }
    }

    /// <inheritdoc/>
    public void Gather(ReadOnlySpan<byte> mine, Span<byte> all) => session.Allgather(mine, all, "the gathering of the step's losses");

    /// <inheritdoc/>
    public void GatherVarying(ReadOnlySpan<float> mine, Span<float> all, ReadOnlySpan<int> counts) =>
        session.Allgatherv(mine, all, counts, "the gathering of representation gradients");
}
