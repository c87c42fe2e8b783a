using System.Globalization;
using System.Text.Json;

namespace MtlSharp.Benchmarks;

/// <summary>
/// <c>MtlSharp.Benchmarks.dll rounds --ours o1.json,o2.json,… --torch t1.json,t2.json,…</c>: the table of a
/// <c>BENCH_ROUNDS=N benchmarks/run.sh</c> run, in which each case ran N times on each side, the two sides alternating
/// (round r's files were written minutes apart, not the whole run apart). For each key and thread count: the speed-up
/// of each round (PyTorch's median ÷ ours, both of that round), their median and range, how many rounds were at or
/// above 1×, each side's median over the rounds and fastest window over all of them, and the ratio of the fastest
/// windows. On a host shared with other jobs one round's ratio can move by 10–30 %; the range shows by how much.
/// </summary>
internal static class RoundsTable
{
    public static int Run(string[] args)
    {
        string[] ours = [], torch = [];
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--ours" when i + 1 < args.Length: ours = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries); break;
                case "--torch" when i + 1 < args.Length: torch = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries); break;
                default:
                    Console.Error.WriteLine($"rounds: unexpected argument '{args[i]}'; usage: rounds --ours o1.json,o2.json --torch t1.json,t2.json");
                    return 2;
            }
        }

        if (ours.Length == 0 || ours.Length != torch.Length)
        {
            Console.Error.WriteLine($"rounds: need the same number of files on each side, at least one (got {ours.Length} of ours, {torch.Length} of PyTorch's)");
            return 2;
        }

        foreach (string f in ours.Concat(torch).Where(f => !File.Exists(f)))
        {
            Console.Error.WriteLine($"rounds: no such file: {f}");
            return 2;
        }

        var oursRounds = ours.Select(ReadOurs).ToList();
        var torchRounds = torch.Select(TorchResults.Read).ToList();
        Console.WriteLine(oursRounds[0].Host);
        if (torchRounds[0].Description.Length > 0)
        {
            Console.WriteLine(torchRounds[0].Description);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ours.Length} rounds, each side's medians paired round by round (speed-up: PyTorch time / ours)"));
        Console.WriteLine("| key | threads | speed-up: median of rounds (min–max) | rounds ≥ 1× | MtlSharp ms: median of rounds / fastest window | PyTorch ms: median of rounds / fastest window | speed-up of the fastest windows |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var id in oursRounds[0].Order)
        {
            var ratios = new List<double>();
            var oursMedians = new List<double>();
            var torchMedians = new List<double>();
            double oursBest = double.PositiveInfinity, torchBest = double.PositiveInfinity;
            for (int r = 0; r < oursRounds.Count; r++)
            {
                if (!oursRounds[r].Seconds.TryGetValue(id, out var o) || !torchRounds[r].Seconds.TryGetValue(id, out double t))
                {
                    continue;
                }

                ratios.Add(t / o.Median);
                oursMedians.Add(o.Median);
                torchMedians.Add(t);
                oursBest = Math.Min(oursBest, o.Best);
                torchBest = Math.Min(torchBest, torchRounds[r].BestSeconds.TryGetValue(id, out double tb) ? tb : t);
            }

            if (ratios.Count == 0)
            {
                continue;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {id.Key} | {id.Threads} | {Median(ratios):F2}× ({ratios.Min():F2}–{ratios.Max():F2}) | {ratios.Count(x => x >= 1)} of {ratios.Count} | {Median(oursMedians) * 1e3:F4} / {oursBest * 1e3:F4} | {Median(torchMedians) * 1e3:F4} / {torchBest * 1e3:F4} | {torchBest / oursBest:F2}× |"));
        }

        return 0;
    }

    /// <summary>The median (mean of the middle two for an even count).</summary>
    internal static double Median(IReadOnlyList<double> values)
    {
        var s = values.OrderBy(v => v).ToArray();
        int n = s.Length;
        return n % 2 == 1 ? s[n / 2] : (s[(n / 2) - 1] + s[n / 2]) / 2;
    }

    private static OursRound ReadOurs(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var h = root.GetProperty("Host");
        string host = $"host: {h.GetProperty("Cpu").GetString()}; ISA {h.GetProperty("Isa").GetString()}; GEMM width {h.GetProperty("GemmVectorBits").GetInt32()} bits; {h.GetProperty("Caches").GetString()}; {h.GetProperty("Runtime").GetString()}";
        var seconds = new Dictionary<(string, int), (double, double)>();
        var order = new List<(string, int)>();
        foreach (var e in root.GetProperty("Results").EnumerateArray())
        {
            var id = (e.GetProperty("Key").GetString()!, e.GetProperty("Threads").GetInt32());
            double median = e.GetProperty("SecondsPerIteration").GetDouble();
            double best = e.TryGetProperty("BestSecondsPerIteration", out var b) && b.ValueKind == JsonValueKind.Number ? b.GetDouble() : median;
            if (seconds.TryAdd(id, (median, best)))
            {
                order.Add(id);
            }
        }

        return new OursRound(host, seconds, order);
    }

    private sealed record OursRound(string Host, Dictionary<(string Key, int Threads), (double Median, double Best)> Seconds, List<(string Key, int Threads)> Order);
}
