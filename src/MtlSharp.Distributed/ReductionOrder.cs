namespace MtlSharp.Distributed;

/// <summary>How <see cref="MpiGradientReducer"/> sums gradients over the processes.</summary>
public enum ReductionOrder
{
    /// <summary><c>MPI_Allreduce</c> with MPI_SUM (bandwidth-optimal; Open MPI's fixed, size-dependent algorithm).</summary>
    AllReduce,

    /// <summary><c>MPI_Allgather</c>, then the sum in rank order on every process (order fixed by construction).</summary>
    RankOrder,
}
