using System.CommandLine;
using MtlSharp.Data.Download;
using MtlSharp.MultiTask.Experiments;

namespace MtlSharp.Cli.Commands;

/// <summary><c>mtl list</c>: presets, their methods, and downloadable datasets.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var cmd = new Command("list", "List presets, methods and datasets.");
        cmd.SetAction(_ =>
        {
            Console.WriteLine("presets (mtl train --preset P --method M):");
            foreach (var (name, p) in Names.RoutedPresets)
            {
                var methods = GumbelExperiments.MethodsOf(p).Select(m => GumbelExperiments.Name(m) + (m == GumbelExperiments.DefaultMethod(p) ? "*" : ""));
                Console.WriteLine($"  {name,-20} methods: {string.Join(", ", methods)}");
            }

            foreach (var name in Names.TaggingPresets.Keys)
            {
                var methods = TaggingExperiments.Methods.Select(m => TaggingExperiments.Name(m) + (TaggingExperiments.Name(m) == TrainCommand.DefaultMethod(name) ? "*" : ""));
                Console.WriteLine($"  {name,-20} methods: {string.Join(", ", methods)} (--genre/--genres)");
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
