using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>The machine a run ran on, for every report: threads, cores, CPU model and vector ISA, runtime, OS.</summary>
public static class RunEnvironment
{
    /// <summary>The entries (display strings).</summary>
    public static Dictionary<string, string> Describe()
    {
        var ci = CultureInfo.InvariantCulture;
        return new Dictionary<string, string>
        {
            ["threads"] = Threading.ThreadCount.ToString(ci),
            ["processors"] = Environment.ProcessorCount.ToString(ci),
            ["cpu"] = CpuModel(),
            ["isa"] = Avx512F.IsSupported ? "AVX-512" : Avx2.IsSupported ? (Fma.IsSupported ? "AVX2+FMA" : "AVX2") : "SSE",
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["os"] = RuntimeInformation.OSDescription,
        };
    }

    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                    {
                        return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
