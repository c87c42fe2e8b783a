using System.Runtime.CompilerServices;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The 512-bit 12×32 kernel (<see cref="GemmMicroKernel512"/>) with its A block sized from the measured L2
/// (<see cref="CacheSizes"/>): MC×KC floats take a quarter of L2 (between 96 and 480 rows; 480 with the 2 MiB L2
/// of the Xeon it was tuned on), and the KC×NC B block half of it (NC = 1024 there): products with few rows of C
/// (48×11025×432) then read their packed B strips from L2 rather than L3.
/// </summary>
internal readonly unsafe struct GemmKernel512 : IGemmKernel
{
    private static readonly int s_nc = Math.Clamp(CacheSizes.L2 / 2 / (GemmBlocked.KC * sizeof(float)) / GemmMicroKernel512.NR, 8, 128) * GemmMicroKernel512.NR;

    private static readonly int s_mc = Math.Clamp(CacheSizes.L2 / 4 / (GemmBlocked.KC * sizeof(float)) / GemmMicroKernel512.MR, 8, 40) * GemmMicroKernel512.MR;

    public static int MR => GemmMicroKernel512.MR;

    public static int NR => GemmMicroKernel512.NR;

    public static int MC => s_mc;

    public static int NC => s_nc;

    /// <summary>
    /// B is read in place for up to two row tiles, and for up to four when a strip's rows span at most 256 KiB (B
    /// then sits in L2). A strip 256 rows deep with a long row stride touches a page per row; packed it streams
    /// (48×11025×432, the Omniglot convolution as one GEMM).
    /// </summary>
    public static bool ReadsBInPlace(int m, nint ldb, int kc) => m <= 24 || (m <= 48 && ldb * kc <= 1 << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int rows, int cols, int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first) =>
        GemmMicroKernel512.Run(rows, cols, kc, a, b, rsB, c, ldc, first);
}
