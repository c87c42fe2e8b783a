using System.Runtime.CompilerServices;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The 512-bit 12×32 kernel (<see cref="GemmMicroKernel512"/>) with its A block sized from the measured L2
/// (<see cref="CacheSizes"/>): MC×KC floats take a quarter of L2 (between 96 and 480 rows; 480 with the 2 MiB L2
/// of the Xeon it was tuned on); NC×KC floats of B (4 MiB) are meant for L3.
/// </summary>
internal readonly unsafe struct GemmKernel512 : IGemmKernel
{
    private static readonly int s_mc = Math.Clamp(CacheSizes.L2 / 4 / (GemmBlocked.KC * sizeof(float)) / GemmMicroKernel512.MR, 8, 40) * GemmMicroKernel512.MR;

    public static int MR => GemmMicroKernel512.MR;

    public static int NR => GemmMicroKernel512.NR;

    public static int MC => s_mc;

    public static int NC => 4096;

    /// <summary>
    /// B is read in place for at most two row tiles: a 32-column strip read with the row stride of B costs more
    /// than packing it once it is reused by more tiles (measured on 48×11025×432, the Omniglot convolution shape).
    /// </summary>
    public static int DirectBMaxRows => 24;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int rows, int cols, int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first) =>
        GemmMicroKernel512.Run(rows, cols, kc, a, b, rsB, c, ldc, first);
}
