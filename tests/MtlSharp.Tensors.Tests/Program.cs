namespace MtlSharp.Tensors.Tests;

/// <summary>
/// Entry point of the test assembly when run as a program (never by the test runner):
/// <c>dotnet MtlSharp.Tensors.Tests.dll gemm-digest</c> prints the GEMM width this process uses and
/// <see cref="GemmWidthTests.Digest"/>, then the small-image convolution's kernel form and
/// <see cref="ConvSmallTests.Digest"/> — the child process of <see cref="GemmWidthTests"/>, started with AVX-512
/// disabled; <c>train-digest</c> prints <see cref="WidthIndependenceTests.TrainingDigest"/>, the child of
/// <see cref="WidthIndependenceTests"/>.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["gemm-digest"])
        {
            Console.WriteLine($"wide={MtlSharp.Tensors.Kernels.GemmWidth.Wide}");
            Console.WriteLine($"digest={GemmWidthTests.Digest(wide: null)}");
            Console.WriteLine($"conv-halves={MtlSharp.Tensors.Kernels.ConvSmallKernels.FewRegisters}");
            Console.WriteLine($"conv-digest={ConvSmallTests.Digest(wide: null)}");
            return 0;
        }

        if (args is ["train-digest"])
        {
            Console.WriteLine($"vector512={System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}");
            Console.WriteLine($"train-digest={WidthIndependenceTests.TrainingDigest()}");
            return 0;
        }

        Console.Error.WriteLine("usage: MtlSharp.Tensors.Tests gemm-digest | train-digest");
        return 2;
    }
}
