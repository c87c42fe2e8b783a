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
            foreach (var p in Enum.GetValues<PresetId>())
            {
                var methods = GumbelExperiments.MethodsOf(p).Select(m => ExperimentRunner.Name(m) + (m == GumbelExperiments.DefaultMethod(p) ? "*" : ""));
                Console.WriteLine($"  {ExperimentRunner.Name(p),-20} methods: {string.Join(", ", methods)}");
            }

            foreach (var tp in new[] { "ewt-domains", "ewt-domains-xpos" })
            {
                Console.WriteLine($"  {tp,-20} methods: {string.Join(", ", MtlSharp.MultiTask.Experiments.TaggingExperiments.Methods.Select(MtlSharp.MultiTask.Experiments.TaggingExperiments.Name))} (sluice default; --genre/--genres)");
            }

            Console.WriteLine("  (* = default method)");
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
