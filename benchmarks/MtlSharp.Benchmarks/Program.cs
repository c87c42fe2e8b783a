using System.Globalization;
using System.Text.Json;
using MtlSharp.Tensors;

namespace MtlSharp.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/MtlSharp.Benchmarks -- [case ...] [--threads 1,2] [--out file.json]
/// [--compare torch.json]</c>. Runs the cases at each thread count, prints a table and writes JSON; with
/// <c>--compare</c>, pairs each row with the PyTorch result of the same key and prints the speed ratio.
/// <c>--quick</c> measures in short windows (0.1 s warm-up, 3 windows of 0.1 s). The environment variable
/// <c>BENCH_FILTER</c> (comma-separated substrings of keys, see <see cref="BenchFilter"/>) runs only the matching
/// shapes of the conv case, e.g. <c>BENCH_FILTER=mnist_l2,mnist_l3 dotnet …/MtlSharp.Benchmarks.dll conv --threads 1 --quick</c>.
/// </summary>
internal static class Program
{
    private static IBenchCase[] AllCases() =>
    [
        new Cases.GemmCase(),
        new LstmCase(),
        new Cases.TrainStepCase(),
        new Cases.ConvCase(),
        new Cases.TaggerCase(),
        new Cases.InferenceCase(),
        new Cases.AggregatorCase(),
        new Cases.AggregatorCase(factorOnly: true),
        new Cases.ExpertCase(),
        new Cases.OmniglotCase(full: false),
        new Cases.OmniglotCase(full: true),
    ];

    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "mpi-allreduce")
        {
            return AllreduceBench.Run(args);   // under mpirun: the gradient sum's latency and bandwidth
        }

        if (args.Length > 0 && args[0] == "rounds")
        {
            return RoundsTable.Run(args[1..]);   // run.sh with BENCH_ROUNDS > 1: the rounds' results paired round by round
        }

        var cases = AllCases();
        var selected = new List<string>();
        int[] threads = [1, 2];
        string? outPath = null, comparePath = null;
        var options = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads": threads = args[++i].Split(',').Select(int.Parse).ToArray(); break;
                case "--out": outPath = args[++i]; break;
                case "--compare": comparePath = args[++i]; break;
                case "--quick": options = new BenchOptions(0.1, 0.1, 3); break;
                default: selected.Add(args[i]); break;
            }
        }

        var unknown = selected.Where(s => cases.All(c => c.Name != s)).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"unknown case(s): {string.Join(", ", unknown)}; known: {string.Join(", ", cases.Select(c => c.Name))}");
            return 2;
        }

        var host = HostInfo.Read();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"host: {host.Cpu}; ISA {host.Isa} (Vector512.IsHardwareAccelerated={host.Vector512IsHardwareAccelerated}, Avx512F={host.Avx512F}, Avx2={host.Avx2}); GEMM width {host.GemmVectorBits} bits; {host.Caches}; {host.Runtime}"));
        var peaks = new List<PeakResult>();
        foreach (int t in threads)
        {
            foreach (var p in PeakProbe.Run(t))
            {
                peaks.Add(p);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FMA peak {p.Bits} bits, {p.Threads} thread(s): {p.GflopsPerSecond:F1} GFLOP/s"));
            }
        }

        var results = new List<BenchResult>();
        foreach (int t in threads)
        {
            Threading.ThreadCount = t;
            double peak = peaks.Where(p => p.Threads == t).Select(p => p.GflopsPerSecond).DefaultIfEmpty(double.NaN).Max();
            foreach (var c in cases.Where(c => selected.Count == 0 || selected.Contains(c.Name)))
            {
                foreach (var run in c.Run(options))
                {
                    var r = run with { PercentOfPeak = run.GflopsPerSecond is { } gf ? 100 * gf / peak : null };
                    results.Add(r);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{r.Key,-48} threads={r.Threads} {r.SecondsPerIteration * 1e3,10:F4} ms/{r.Unit} {(r.GflopsPerSecond is { } g ? $"{g,8:F1} GFLOP/s {r.PercentOfPeak,5:F1}% peak" : ""),-28} alloc {r.AllocatedBytesPerIteration,10:F0} B/{r.Unit}"));
                }
            }
        }

        if (outPath is not null)
        {
            var report = new BenchReport(host, peaks, results);
            File.WriteAllText(outPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        }

        if (comparePath is not null)
        {
            Compare(results, comparePath);
        }

        return 0;
    }

    private static void Compare(List<BenchResult> ours, string torchPath)
    {
        var t = TorchResults.Read(torchPath);
        var torch = t.Seconds;
        var torchBest = t.BestSeconds;
        Console.WriteLine();
        if (t.Description.Length > 0)
        {
            Console.WriteLine(t.Description);
        }

        Console.WriteLine("| key | threads | MtlSharp ms | PyTorch ms | speed-up (PyTorch time / ours) | ours % of FMA peak | PyTorch % of FMA peak | best windows: MtlSharp ms / PyTorch ms / speed-up |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in ours)
        {
            if (torch.TryGetValue((r.Key, r.Threads), out double ts))
            {
                string pct = r.PercentOfPeak is { } p ? string.Create(CultureInfo.InvariantCulture, $"{p:F0}%") : "";
                string tpct = r.PercentOfPeak is { } p2 ? string.Create(CultureInfo.InvariantCulture, $"{p2 * r.SecondsPerIteration / ts:F0}%") : "";
                string bestCol = r.BestSecondsPerIteration is { } ob && torchBest.TryGetValue((r.Key, r.Threads), out double tb)
                    ? string.Create(CultureInfo.InvariantCulture, $"{ob * 1e3:F4} / {tb * 1e3:F4} / {tb / ob:F2}×")
                    : "";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Key} | {r.Threads} | {r.SecondsPerIteration * 1e3:F4} | {ts * 1e3:F4} | {ts / r.SecondsPerIteration:F2}× | {pct} | {tpct} | {bestCol} |"));
            }
        }
    }
}
