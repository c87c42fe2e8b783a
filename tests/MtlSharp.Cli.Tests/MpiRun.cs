using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MtlSharp.Cli.Tests;

/// <summary>Runs the real <c>mtl</c> as an MPI job of two processes on this machine (loopback).</summary>
internal static class MpiRun
{
    /// <summary>The mpirun on the PATH, or null.</summary>
    public static string? Executable { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);

    /// <summary>Starts <c>mpirun -np <paramref name="processes"/> mtl <paramref name="args"/></c>.</summary>
    public static (Process Process, ProcessLog Output) Start(int processes, IReadOnlyDictionary<string, string>? environment, params string[] args)
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

        var output = new ProcessLog();
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.AppendLine(e.Data); } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.AppendLine(e.Data); } };
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
        return (p.ExitCode, output.ToString());
    }

    /// <summary>The process ids of mpirun's children (the ranks on this machine).</summary>
    public static int[] Children(Process mpirun)
    {
        string path = $"/proc/{mpirun.Id}/task/{mpirun.Id}/children";
        return File.Exists(path)
            ? File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray()
            : [];
    }

    /// <summary>Waits until the job trains (its metrics log grows), then returns the pid of its last rank.</summary>
    public static int WaitForTraining(Process p, ProcessLog log, string dir)
    {
        var clock = Stopwatch.StartNew();
        string metrics = Path.Combine(dir, "metrics.jsonl");
        while (!(File.Exists(metrics) && new FileInfo(metrics).Length > 0) && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (p.HasExited)
            {
                Assert.Fail("the job ended before training: " + log);
            }

            Thread.Sleep(20);
        }

        var ranks = MpiRun.Children(p);
        Assert.True(ranks.Length == 2, $"mpirun has {ranks.Length} child processes: {log}");
        return ranks[^1];
    }

    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>The update of the run's last checkpoint (0 when none is written yet).</summary>
    public static long ExperimentLastStep(string dir)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "checkpoints", "last", "checkpoint.json")));
            return doc.RootElement.GetProperty("step").GetInt64();
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>Every loss value of a run's metrics log, in order.</summary>
    public static List<double> Losses(string dir)
    {
        var values = new List<double>();
        foreach (string line in File.ReadLines(Path.Combine(dir, "metrics.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.GetProperty("kind").GetString() == "loss")
            {
                values.AddRange(doc.RootElement.GetProperty("values").EnumerateObject().Select(v => v.Value.ValueKind == JsonValueKind.Null ? double.NaN : v.Value.GetDouble()));
            }
        }

        return values;
    }
}
