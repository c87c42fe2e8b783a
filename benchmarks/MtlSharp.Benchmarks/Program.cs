using System.Globalization;
using System.Text.Json;
using MtlSharp.Tensors;

namespace MtlSharp.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/MtlSharp.Benchmarks -- [case ...] [--threads 1,2] [--out file.json]
/// [--compare torch.json]</c>. Runs the cases at each thread count, prints a table and writes JSON; with
/// <c>--compare</c>, pairs each row with the PyTorch result of the same key and prints the speed ratio.
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
    ];

    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "mpi-allreduce")
        {
            return AllreduceBench.Run(args);   // under mpirun: the gradient sum's latency and bandwidth
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

        var results = new List<BenchResult>();
        foreach (int t in threads)
        {
            Threading.ThreadCount = t;
            foreach (var c in cases.Where(c => selected.Count == 0 || selected.Contains(c.Name)))
            {
                foreach (var r in c.Run(options))
                {
                    results.Add(r);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{r.Key,-48} threads={r.Threads} {r.SecondsPerIteration * 1e3,10:F4} ms/{r.Unit} {(r.GflopsPerSecond is { } g ? $"{g,8:F1} GFLOP/s" : ""),-16} alloc {r.AllocatedBytesPerIteration,10:F0} B/{r.Unit}"));
                }
            }
        }

        if (outPath is not null)
        {
            File.WriteAllText(outPath, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
        }

        if (comparePath is not null)
        {
            Compare(results, comparePath);
        }

        return 0;
    }

    private static void Compare(List<BenchResult> ours, string torchPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(torchPath));
        var torch = new Dictionary<(string, int), double>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            torch[(e.GetProperty("key").GetString()!, e.GetProperty("threads").GetInt32())] = e.GetProperty("seconds").GetDouble();
        }

        Console.WriteLine();
        Console.WriteLine("| key | threads | MtlSharp ms | PyTorch ms | speed-up (PyTorch time / ours) |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var r in ours)
        {
            if (torch.TryGetValue((r.Key, r.Threads), out double ts))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Key} | {r.Threads} | {r.SecondsPerIteration * 1e3:F4} | {ts * 1e3:F4} | {ts / r.SecondsPerIteration:F2}× |"));
            }
        }
    }
}
