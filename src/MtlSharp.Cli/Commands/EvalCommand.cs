using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN.Checkpoints;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// <c>mtl eval --checkpoint DIR</c>: rebuilds the checkpoint's run from the command line stored in it (any family),
/// loads the weights and reports the test metrics (and, for routed models, the maximum-likelihood allocation).
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A checkpoint folder (e.g. runs/…/checkpoints/last or …/best).", Required = true };
        var data = new Option<string?>("--data") { Description = "Data directory (default: the one the run was trained with)." };
        var threads = CommonOptions.Threads();
        var cmd = new Command("eval", "Evaluate a checkpoint on the test split of its run's tasks.") { checkpoint, data, threads };
        cmd.SetAction(r =>
        {
            CommonOptions.ApplyThreads(r.GetValue(threads));
            string given = r.GetValue(checkpoint)!;
            string dir = CheckpointFolder.Resolve(given)
                ?? throw new FileNotFoundException($"No complete checkpoint in '{given}': {Checkpoint.MetadataFile} is missing.");
            var meta = Checkpoint.ReadMetadata(dir);
            string[] args = StoredArgs(meta, dir);
            if (r.GetValue(data) is { } d)
            {
                args = WithData(args, d);
            }

            // The weights are read (and checked) before the run's data is loaded: a damaged file fails fast.
            string weightsPath = Path.Combine(dir, Checkpoint.ModelFile);
            var weights = SafeTensors.Read(weightsPath);
            var train = TrainCommand.Instance;
            var plan = train.BuildPlan(train.ParseStored(args, Path.Combine(dir, Checkpoint.MetadataFile)));
            Checkpoint.LoadModel(plan.Model.Module, weights, strict: true, source: weightsPath);
            var ci = CultureInfo.InvariantCulture;
            Console.WriteLine($"{plan.Preset}/{plan.Method} seed {plan.Seed}, checkpoint step {meta.Step}");
            double[] test = plan.Evaluator.Evaluate(plan.Model, EvaluationSplit.Test);
            for (int t = 0; t < test.Length; t++)
            {
                var info = plan.Data.Tasks[t];
                Console.WriteLine(string.Create(ci, $"  {info.Name,-20} test {info.Metric} {test[t]:G5}"));
            }

            Console.WriteLine(string.Create(ci, $"  mean test {test.Average():G5}"));
            if (plan.Model is RoutedModel routed)
            {
                TrainCommand.PrintAllocation(routed.Network.Allocations());
            }

            return 0;
        });
        return cmd;
    }

    /// <summary>The run command line stored in a checkpoint's metadata (by 'mtl train').</summary>
    public static string[] StoredArgs(CheckpointMetadata meta, string dir)
    {
        string path = Path.Combine(dir, Checkpoint.MetadataFile);
        if (meta.Config is not { ValueKind: JsonValueKind.Object } config
            || !config.TryGetProperty("args", out var args) || args.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{path}: no run command line in \"config\"; the checkpoint was not written by 'mtl train'.");
        }

        return args.EnumerateArray().Select(a => a.ValueKind == JsonValueKind.String ? a.GetString()! : throw new InvalidDataException($"{path}: \"config.args\" holds a non-string.")).ToArray();
    }

    /// <summary>A stored command line with its data folder replaced by <paramref name="data"/> (or added).</summary>
    public static string[] WithData(string[] args, string data)
    {
        ArgumentNullException.ThrowIfNull(args);
        var list = args.ToList();
        int at = list.IndexOf("--data");
        if (at >= 0 && at + 1 < list.Count)
        {
            list[at + 1] = Path.GetFullPath(data);
        }
        else
        {
            list.AddRange(["--data", Path.GetFullPath(data)]);
        }

        return [.. list];
    }
}
