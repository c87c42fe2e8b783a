using System.Runtime.CompilerServices;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The AVX2 6×16 kernel (<see cref="GemmMicroKernel"/>) with the blocks tuned on a 2-core AMD EPYC (Zen 4): 32 KiB
/// L1d, 1 MiB L2 per core — an MC×KC A block of 144 KiB in L2, a 4 MiB KC×NC B block in L3.
/// </summary>
internal readonly unsafe struct GemmKernel256 : IGemmKernel
{
    public static int MR => GemmMicroKernel.MR;

    public static int NR => GemmMicroKernel.NR;

    public static int MC => 144;

    public static int NC => 4080;

    /// <summary>B is read in place for up to 48 rows of C (8 row tiles).</summary>
    public static int DirectBMaxRows => 48;

    public static bool ReadsBInPlace(int m, nint ldb, int kc) => m <= DirectBMaxRows;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int rows, int cols, int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first) =>
        GemmMicroKernel.Run(rows, cols, kc, a, b, rsB, c, ldc, first);
}
