using System.CommandLine;
using System.Globalization;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.Data.Tasks;
using MtlSharp.NN.Checkpoints;

namespace MtlSharp.Cli.Commands;

/// <summary><c>mtl eval --checkpoint DIR</c>: rebuilds the checkpoint's model and reports its test metrics.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A checkpoint folder (e.g. runs/…/checkpoints/last).", Required = true };
        var data = CommonOptions.Data();
        var threads = CommonOptions.Threads();
        var cmd = new Command("eval", "Evaluate a checkpoint on the test split of its preset's tasks (maximum-likelihood allocation).") { checkpoint, data, threads };
        cmd.SetAction(r =>
        {
            CommonOptions.ApplyThreads(r.GetValue(threads));
            string dir = r.GetValue(checkpoint)!;
            var meta = Checkpoint.ReadMetadata(dir);
            string Tag(string key) => meta.Extra.TryGetValue(key, out var v)
                ? v
                : throw new UsageException($"checkpoint {dir} has no '{key}' in checkpoint.json; it was not written by 'mtl train'");
            var ci = CultureInfo.InvariantCulture;
            var p = Names.Parse(Names.Presets, Tag("preset"), "preset");
            var m = Names.Parse(Names.Methods, Tag("method"), "method");
            var settings = new ExperimentSettings
            {
                Seed = int.Parse(Tag("seed"), ci),
                DataDirectory = r.GetValue(data),
                Combine = Enum.Parse<MtlSharp.MultiTask.Models.Routing.CombineMode>(Tag("combine")),
                Rho = double.Parse(Tag("rho"), ci),
                Budget = float.Parse(Tag("budget"), ci),
            };
            var setup = GumbelExperiments.Build(p, m, settings);
            Checkpoint.Load(dir, setup.Model);
            var trainer = new RoutedTrainer(setup.Model, setup.Tasks, setup.Options);
            Console.WriteLine($"{ExperimentRunner.Name(p)}/{ExperimentRunner.Name(m)} seed {settings.Seed}, checkpoint step {meta.Step}");
            double sum = 0;
            for (int t = 0; t < setup.Tasks.Count; t++)
            {
                double v = trainer.Evaluate(t, setup.Tasks[t].Test);
                sum += v;
                Console.WriteLine(string.Create(ci, $"  {setup.Tasks[t].Name,-20} test {setup.Tasks[t].MetricName} {v:G5}"));
            }

            Console.WriteLine(string.Create(ci, $"  mean test {sum / setup.Tasks.Count:G5}"));
            var alloc = setup.Model.Allocations();
            for (int l = 0; l < alloc.Count; l++)
            {
                Console.WriteLine($"  layer {l} allocation: {string.Join(" ", alloc[l].Select(row => "[" + string.Join("", row) + "]"))}");
            }

            return 0;
        });
        return cmd;
    }
}
