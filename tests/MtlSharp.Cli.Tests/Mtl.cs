using System.Diagnostics;
using System.Text;

namespace MtlSharp.Cli.Tests;

/// <summary>Runs the real <c>mtl</c> command (the CLI project's build output) as a child process.</summary>
internal static class Mtl
{
    private static readonly Lazy<string> LazyDll = new(Locate);

    /// <summary>The CLI's mtl.dll (this configuration's build).</summary>
    public static string Dll => LazyDll.Value;

    /// <summary>The repository root (holds MtlSharp.slnx).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Starts <c>mtl</c> with <paramref name="args"/>; output goes to the returned buffers.</summary>
    public static (Process Process, ProcessLog Output) Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        psi.ArgumentList.Add(Dll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var output = new ProcessLog();
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.AppendLine(e.Data); } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.AppendLine(e.Data); } };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return (p, output);
    }

    /// <summary>Runs <c>mtl</c> to the end; returns its exit code and everything it printed.</summary>
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        var (p, output) = Start(args);
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"mtl {string.Join(' ', args)} did not finish in 5 minutes.");
        }

        p.WaitForExit();
        return (p.ExitCode, output.ToString());
    }

    private static string Locate()
    {
        // The same configuration as this test assembly (…/bin/Release/net10.0/).
        string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        string dll = Path.Combine(RepositoryRoot, "src", "MtlSharp.Cli", "bin", config, "net10.0", "mtl.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The CLI is not built: {dll} is missing.");
    }

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "MtlSharp.slnx")))
            {
                return d.FullName;
            }
        }

        throw new DirectoryNotFoundException("MtlSharp.slnx not found above the test assembly.");
    }
}
