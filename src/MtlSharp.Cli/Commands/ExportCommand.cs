using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MtlSharp.Export;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.NN.Checkpoints;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// <c>mtl export --checkpoint DIR --onnx FILE [--task NAME]…</c>: rebuilds the checkpoint's run as <c>mtl eval</c>
/// does, loads the weights and writes the model as one ONNX graph (routed models with their maximum-likelihood
/// allocation, expert mixtures, BiLSTM taggers, multi-input and sentence models; one output per task, or per task
/// asked for). Exit 1 for a model with
/// no ONNX translation or a file that cannot be written (nothing partial is left), 2 for an unknown task name.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A checkpoint folder (e.g. runs/…/checkpoints/last or …/best).", Required = true };
        var onnx = new Option<string>("--onnx") { Description = "The ONNX file to write (replaced atomically).", Required = true };
        var task = new Option<string[]>("--task") { Description = "Export this task (repeat for several; default: every task)." };
        var data = new Option<string?>("--data") { Description = "Data directory (default: the one the run was trained with); the run's data fixes the input shape." };
        var threads = CommonOptions.Threads();
        var cmd = new Command("export", "Export a checkpoint as an ONNX model (opset 17): routed, expert, tagger, multi-input and sentence models; one output per task.") { checkpoint, onnx, task, data, threads };
        cmd.SetAction(r =>
        {
            CommonOptions.ApplyThreads(r.GetValue(threads));
            string given = r.GetValue(checkpoint)!;
            string output = r.GetValue(onnx)!;
            string[] tasks = r.GetValue(task) ?? [];
            string dir = CheckpointFolder.Resolve(given)
                ?? throw new FileNotFoundException($"No complete checkpoint in '{given}': {Checkpoint.MetadataFile} is missing.");
            var meta = Checkpoint.ReadMetadata(dir);
            string[] args = EvalCommand.StoredArgs(meta, dir);
            if (r.GetValue(data) is { } d)
            {
                args = EvalCommand.WithData(args, d);
            }

            var train = TrainCommand.Instance;
            var parsed = train.ParseStored(args, Path.Combine(dir, Checkpoint.MetadataFile));
            var plan = train.BuildPlan(parsed);

            var names = plan.Data.Tasks.Select(t => t.Name).ToArray();
            foreach (string name in tasks)
            {
                if (!names.Contains(name, StringComparer.Ordinal))
                {
                    throw new UsageException($"--task {name}: no such task; the tasks are: {string.Join(", ", names)}");
                }
            }

            if (tasks.Distinct(StringComparer.Ordinal).Count() != tasks.Length)
            {
                throw new UsageException("--task: a task is named twice");
            }

            Checkpoint.LoadModel(plan.Model.Module, Path.Combine(dir, Checkpoint.ModelFile));
            var model = OnnxExporter.Export(plan, tasks);
            model.Save(output);
            var ci = CultureInfo.InvariantCulture;
            Console.WriteLine($"{plan.Preset}/{plan.Method} seed {plan.Seed}, checkpoint step {meta.Step}");
            string inputs = model.InputNames.Count == 1 && model.InputShape.Count > 0
                ? $"input '{model.InputName}' float [N, {string.Join(", ", model.InputShape)}]"
                : $"inputs {string.Join(", ", model.InputNames.Select(n => $"'{n}'"))}{(plan.Model is TaggerModel ? " (int64)" : "")}";
            Console.WriteLine(string.Create(ci, $"wrote {output}: ONNX opset {OnnxExporter.OpsetVersion}, {inputs}, {model.NodeCount} nodes, {model.WeightCount:N0} weights"));
            Console.WriteLine($"  outputs: {string.Join(", ", model.Tasks)}{(plan.Model is TaggerModel ? " (logits [N, T, tags] per token)" : "")}");
            if (plan.Model is RoutedModel routed)
            {
                TrainCommand.PrintAllocation(routed.Network.Allocations());
            }
            return 0;
        });
        return cmd;
    }
}
