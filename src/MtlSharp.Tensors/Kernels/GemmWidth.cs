using System.Runtime.Intrinsics;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The vector width of the packed GEMM, chosen once at run time: 512-bit kernels (<see cref="GemmMicroKernel512"/>)
/// where the runtime accelerates <see cref="Vector512"/> (AVX-512 hosts, unless disabled with
/// <c>DOTNET_EnableAVX512=0</c> on .NET 10, <c>DOTNET_EnableAVX512F=0</c> before), the AVX2 kernels (<see cref="GemmMicroKernel"/>) elsewhere.
/// </summary>
/// <remarks>
/// Both widths sum every element of C in the same order (one FMA per step over k inside a block of
/// <see cref="GemmBlocked.KC"/>, blocks added to C in order), so they give bit-identical results: the width changes
/// speed only. Tests run the 512-bit kernels on every host (emulated where not accelerated).
/// </remarks>
internal static class GemmWidth
{
    /// <summary>Whether the packed GEMM uses the 512-bit kernels by default on this host.</summary>
    public static bool Wide { get; } = Vector512.IsHardwareAccelerated;
}
