using System.CommandLine;
using MtlSharp.Data.Download;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Strategies;

namespace MtlSharp.Cli.Commands;

/// <summary><c>mtl list</c>: presets, their methods, and downloadable datasets.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var cmd = new Command("list", "List presets, methods and datasets.");
        cmd.SetAction(_ =>
        {
            Console.WriteLine("presets (mtl train --preset P --method M; mtl config show P prints one to copy and edit):");
            foreach (string name in BuiltInConfigs.Names)
            {
                var doc = BuiltInConfigs.Load(name);
                var methods = doc.Methods.Select(m => m + (m == doc.DefaultMethod ? "*" : ""));
                Console.WriteLine($"  {name,-20} methods: {string.Join(", ", methods)}{(doc.Baseline is { } b ? $" (Δm against {b})" : "")}");
            }

            Console.WriteLine("  (* = default method)");
            Console.WriteLine("task samplers (--sampler): " + string.Join(", ", Names.Samplers.Keys) + "  (default: rounds for routed presets, all for taggers; --sampling-temperature T, default 2)");
            foreach (string family in new[] { "weighting", "aggregator" })
            {
                Console.WriteLine(family == "weighting"
                    ? "loss weightings (--weighting NAME[:key=value,…]; not with --aggregator; default: fixed for taggers, the plain sum for routed presets):"
                    : "gradient aggregators (--aggregator NAME[:key=value,…], with --sampler all):");
                foreach (var s in StrategyCatalog.All.Where(s => s.Family == family))
                {
                    string options = s.Options.Count == 0 ? "" : " [" + string.Join(", ", s.Options.Select(o => $"{o.Key}={o.Default.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {o.Meaning}")) + "]";
                    Console.WriteLine($"  {s.Name,-12} {s.Summary}{options}{(s.Citation == "—" ? "" : $" — {s.Citation}")}");
                }
            }

            Console.WriteLine("datasets (mtl download NAME):");
            foreach (var d in KnownDatasets.All)
            {
                Console.WriteLine($"  {d.Folder,-20} {d.Name}");
            }

            return 0;
        });
        return cmd;
    }
}
