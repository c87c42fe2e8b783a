using System.Diagnostics;

namespace MtlSharp.Export.Tests;

/// <summary>Runs the real <c>mtl</c> command (the CLI project's build output) as a child process.</summary>
internal static class Mtl
{
    private static readonly Lazy<string> Dll = new(Locate);

    /// <summary>Runs <c>mtl</c> to the end; returns its exit code and everything it printed.</summary>
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = MtlSharp.Testing.Fixtures.RepoRoot,
        };
        psi.ArgumentList.Add(Dll.Value);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"mtl {string.Join(' ', args)} did not finish in 3 minutes.");
        }

        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static string Locate()
    {
        // The same configuration as this test assembly (…/bin/Release/net10.0/).
        string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        string dll = Path.Combine(MtlSharp.Testing.Fixtures.RepoRoot, "src", "MtlSharp.Cli", "bin", config, "net10.0", "mtl.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The CLI is not built: {dll} is missing.");
    }
}
