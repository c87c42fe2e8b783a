using System.Runtime.CompilerServices;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The 512-bit 12×32 kernel (<see cref="GemmMicroKernel512"/>) with its A block sized from the measured L2
/// (<see cref="CacheSizes"/>): MC×KC floats take a quarter of L2 (between 96 and 480 rows; 480 with the 2 MiB L2
/// of the Xeon it was tuned on, 252 with 1 MiB). The KC×NC B block is 2 MiB (NC = 2048 columns), held in L3 as in
/// Goto's algorithm: every column block re-packs A, and on a Zen 4 EPYC (1 MiB L2) NC = 2048 measured 84.6–84.9 % of
/// the FMA peak on 1024³ at one thread against 74.9–79.9 % with the earlier B block of half the L2 (NC = 512 there),
/// and 87.5–92.2 % against 86.5–88.6 % on 512³ (three runs each, idle); MC and NC only move data, never the sums.
/// </summary>
internal readonly unsafe struct GemmKernel512 : IGemmKernel
{
    private const int BlockColumns = 2048;

    private static readonly int s_mc = Math.Clamp(CacheSizes.L2 / 4 / (GemmBlocked.KC * sizeof(float)) / GemmMicroKernel512.MR, 8, 40) * GemmMicroKernel512.MR;

    public static int MR => GemmMicroKernel512.MR;

    public static int NR => GemmMicroKernel512.NR;

    public static int MC => s_mc;

    public static int NC => BlockColumns;

    /// <summary>
    /// B is read in place for up to two row tiles, and for up to eight (as the 256-bit kernel) when a strip's rows
    /// span at most 256 KiB (B then sits in L2). A strip 256 rows deep with a long row stride touches a page per row;
    /// packed it streams (48×11025×432, the Omniglot convolution as one GEMM). Eight rather than four tiles (session
    /// 15, Zen 4, 1 thread, interleaved builds): 64×64×128 0.0110–0.0114 → 0.0102–0.0104 ms, 64×256×256 0.082–0.084 →
    /// 0.076 ms, 64×400×100 0.051–0.056 → 0.046–0.047 ms, 72×100×400 0.067–0.068 → 0.059–0.061 ms; beyond eight tiles
    /// (120–192 rows) the gain was within the noise, so packing stays there. The values read are the same, so are the bits.
    /// </summary>
    public static bool ReadsBInPlace(int m, nint ldb, int kc) => m <= 24 || (m <= 96 && ldb * kc <= 1 << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int rows, int cols, int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first) =>
        GemmMicroKernel512.Run(rows, cols, kc, a, b, rsB, c, ldc, first);
}
