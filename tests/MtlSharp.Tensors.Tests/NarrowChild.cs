using System.Diagnostics;

namespace MtlSharp.Tensors.Tests;

/// <summary>
/// Starts this test assembly as a program (<see cref="Program"/>) with AVX-512 disabled, so that a test can compare
/// what the narrow (256-bit) paths print with what this process computes on its default paths.
/// </summary>
internal static class NarrowChild
{
    /// <summary>Runs <c>dotnet &lt;this assembly&gt; <paramref name="mode"/></c> without AVX-512 and returns its standard output; fails the test when it does not exit with 0 within two minutes.</summary>
    public static string Run(string mode)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(typeof(NarrowChild).Assembly.Location);
        psi.ArgumentList.Add(mode);
        psi.Environment["DOTNET_EnableAVX512F"] = "0"; // the knob up to .NET 9
        psi.Environment["DOTNET_EnableAVX512"] = "0"; // .NET 10 groups the AVX-512 subsets under this one
        using var child = Process.Start(psi)!;
        string stdout = child.StandardOutput.ReadToEnd();
        string stderr = child.StandardError.ReadToEnd();
        Assert.True(child.WaitForExit(120_000), "child process did not finish");
        Assert.True(child.ExitCode == 0, $"child exited with {child.ExitCode}: {stderr}");
        return stdout;
    }
}
