using System.Diagnostics;
using System.Text;

namespace MtlSharp.Cli.Tests;

/// <summary>Runs the real <c>mtl</c> as an MPI job of two processes on this machine (loopback).</summary>
internal static class MpiRun
{
    /// <summary>The mpirun on the PATH, or null.</summary>
    public static string? Executable { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);

    /// <summary>Starts <c>mpirun -np <paramref name="processes"/> mtl <paramref name="args"/></c>.</summary>
    public static (Process Process, StringBuilder Output) Start(int processes, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("mpirun is not installed (CI installs Open MPI)."))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Mtl.RepositoryRoot,
        };
        foreach (string a in new[] { "--allow-run-as-root", "--oversubscribe", "-np", processes.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
            psi.ArgumentList.Add("-x");
            psi.ArgumentList.Add(k);
        }

        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(Mtl.Dll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var output = new StringBuilder();
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return (p, output);
    }

    /// <summary>Runs the job to its end (at most 5 minutes); its exit code and output.</summary>
    public static (int ExitCode, string Output) Run(int processes, params string[] args)
    {
        var (p, output) = Start(processes, null, args);
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"mpirun mtl {string.Join(' ', args)} did not finish in 5 minutes.");
        }

        p.WaitForExit();
        lock (output)
        {
            return (p.ExitCode, output.ToString());
        }
    }

    /// <summary>The process ids of mpirun's children (the ranks on this machine).</summary>
    public static int[] Children(Process mpirun)
    {
        string path = $"/proc/{mpirun.Id}/task/{mpirun.Id}/children";
        return File.Exists(path)
            ? File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray()
            : [];
    }
}
