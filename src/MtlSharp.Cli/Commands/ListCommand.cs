using System.CommandLine;
using MtlSharp.Data.Download;
using MtlSharp.MultiTask.Configuration;

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
            Console.WriteLine("gradient aggregators (--aggregator, with --sampler all): " + string.Join(", ", Names.Aggregators.Keys));
            Console.WriteLine("loss weightings (--weighting, not with --aggregator): " + string.Join(", ", Names.Weightings.Keys) + "  (default: fixed for taggers, the plain sum for routed presets)");
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
