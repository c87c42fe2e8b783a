namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// A micro-kernel with its register tile and cache blocks, as a struct type argument of <see cref="GemmBlocked"/>
/// (the JIT specialises the blocked loops for each, so the width costs no dispatch inside them).
/// </summary>
internal unsafe interface IGemmKernel
{
    /// <summary>Rows of the C tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the C tile.</summary>
    static abstract int NR { get; }

    /// <summary>Rows of A per packed block (a multiple of <see cref="MR"/>; sized for L2).</summary>
    static abstract int MC { get; }

    /// <summary>Columns of B per packed block (a multiple of <see cref="NR"/>).</summary>
    static abstract int NC { get; }

    /// <summary>
    /// Whether B (stored [k, n] with row stride <paramref name="ldb"/>) is read in place rather than packed for a
    /// product with <paramref name="m"/> rows of C and blocks <paramref name="kc"/> deep: its column strips then stay
    /// in L1 across the few row tiles, and packing would cost more than it saves.
    /// </summary>
    static abstract bool ReadsBInPlace(int m, nint ldb, int kc);

    /// <summary>C[rows×cols] (=|+=) A-panel · B-panel (see <see cref="GemmMicroKernel.Run"/>).</summary>
    static abstract void Run(int rows, int cols, int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first);
}
