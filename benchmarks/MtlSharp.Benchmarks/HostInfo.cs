using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Benchmarks;

/// <summary>What the .NET side runs on: CPU model, ISA as the runtime sees it, the GEMM width chosen, cache sizes.</summary>
internal sealed record HostInfo(
    string Cpu,
    string Isa,
    bool Vector512IsHardwareAccelerated,
    bool Avx512F,
    bool Avx2,
    bool Fma,
    int GemmVectorBits,
    string Caches,
    string Runtime,
    int ProcessorCount)
{
    /// <summary>Reads the host description (Linux /proc and /sys where present).</summary>
    public static HostInfo Read()
    {
        string isa = Vector512.IsHardwareAccelerated ? "AVX-512" : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "AVX2" : "SSE";
        return new HostInfo(
            CpuModel(),
            isa,
            Vector512.IsHardwareAccelerated,
            System.Runtime.Intrinsics.X86.Avx512F.IsSupported,
            System.Runtime.Intrinsics.X86.Avx2.IsSupported,
            System.Runtime.Intrinsics.X86.Fma.IsSupported,
            GemmWidth.Wide ? 512 : 256,
            CacheSizes.Describe(),
            RuntimeInformation.FrameworkDescription,
            Environment.ProcessorCount);
    }

    private static string CpuModel()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path))
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }

        string? line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
    }
}
