using System.Text.Json;

namespace MtlSharp.Benchmarks;

/// <summary>
/// One PyTorch result file of benchmarks/torch/bench_*.py: median and fastest-window seconds per (key, threads), and
/// a line naming the PyTorch build, CPU, BLAS and oneDNN ISA (empty for older files, which are a bare array).
/// </summary>
internal sealed record TorchResults(
    IReadOnlyDictionary<(string Key, int Threads), double> Seconds,
    IReadOnlyDictionary<(string Key, int Threads), double> BestSeconds,
    string Description)
{
    /// <summary>Reads <paramref name="path"/>.</summary>
    public static TorchResults Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var seconds = new Dictionary<(string, int), double>();
        var best = new Dictionary<(string, int), double>();
        var root = doc.RootElement;
        var entries = root.ValueKind == JsonValueKind.Array ? root : root.GetProperty("results");
        foreach (var e in entries.EnumerateArray())
        {
            var key = (e.GetProperty("key").GetString()!, e.GetProperty("threads").GetInt32());
            seconds[key] = e.GetProperty("seconds").GetDouble();
            if (e.TryGetProperty("best_seconds", out var b))
            {
                best[key] = b.GetDouble();
            }
        }

        string description = "";
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("host", out var h))
        {
            var blas = h.GetProperty("blas");
            string blasName = blas.TryGetProperty("openblas_config", out var cfg) ? cfg.GetString()! : blas.GetProperty("name").GetString()!;
            description = $"PyTorch {h.GetProperty("torch_version").GetString()} on {h.GetProperty("cpu").GetString()} ({h.GetProperty("isa").GetString()}); BLAS: {blasName}; oneDNN ISA: {h.GetProperty("onednn_isa").GetString()}";
        }

        return new TorchResults(seconds, best, description);
    }
}
