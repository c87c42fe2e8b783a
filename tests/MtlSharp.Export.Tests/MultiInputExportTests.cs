using Microsoft.ML.OnnxRuntime;
using MtlSharp.Data.Tasks;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.MultiInput;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using Xunit.Abstractions;
using static MtlSharp.Export.Tests.OnnxHarness;

namespace MtlSharp.Export.Tests;

/// <summary>
/// Multi-input and sentence models (every method of the <c>multimodal</c> and <c>ewt-genre</c> presets, at small
/// widths) exported to ONNX and run in ONNX Runtime on real test batches of every task — MNIST images (plain and
/// rotated), EWT sentences as BiLSTM token batches and as letter-trigram bags, income rows: every output equals
/// MtlSharp's evaluation-mode output within <see cref="OnnxHarness.Tolerance"/>.
/// </summary>
public sealed class MultiInputExportTests(ITestOutputHelper log)
{
    // The presets' structure at small sizes (fast): few training rows (the test rows are real), narrow encoders.
    private const string SmallMultimodal = """
        { "data": { "limit": { "train": 64, "evaluation": 64 } },
          "model": { "width": 12, "encoders": { "digits": { "filters": 3 }, "sentences": { "hidden": 5 }, "trigram": { "buckets": 512 } },
                     "core": { "layers": [ { "type": "mlp", "components": 4, "sizes": [10] } ] } } }
        """;

    private const int Rows = 24;

    [DatasetTheory("mnist")]
    [InlineData("separate")]
    [InlineData("shared")]
    [InlineData("gumbel")]
    public void MultimodalMatchesOnRealTestBatches(string method)
    {
        var plan = Preset("multimodal", method, SmallMultimodal, seed: 2);
        var model = Assert.IsType<MultiInputModel>(plan.Model);
        Perturb(model, 17);
        if (method == "gumbel")
        {
            // A learned allocation: tasks share some components, not others; one task reads a single component.
            Allocate(model.RoutedCore!.RoutedLayers[0], [[1, 1, 0, 0], [0, 1, 1, 0], [1, 0, 1, 1], [0, 0, 0, 1], [1, 0, 0, 1], [0, 1, 0, 1]]);
        }

        var (onnx, max) = Compare(plan);
        Assert.Equal(["images", "words", "lengths", "chars", "char_lengths", "trigram_ids", "trigram_weights", "rows"], onnx.InputNames);
        Assert.Equal(["digit", "digit-rot", "UPOS", "genre", "income", "married"], onnx.Tasks);
        Assert.Equal(method == "separate" ? 2 : 1, Count(onnx, "MaxPool"));   // the shared conv encoder once for both digit tasks
        Assert.Equal(2, Count(onnx, "LSTM"));   // UPOS's token encoder: characters, words
        log.WriteLine($"multimodal/{method}: {onnx.NodeCount} nodes, {onnx.WeightCount} weights; max |ONNX - MtlSharp| = {max:G3}");
    }

    [DatasetTheory("ud-english-ewt")]
    [InlineData("trigram", null)]
    [InlineData("trigram", """{ "model": { "normalization": "log", "lowercase": false } }""")]
    [InlineData("bilstm", null)]
    [InlineData("bilstm", """{ "model": { "pooling": "max", "layers": 2 } }""")]
    [InlineData("majority", null)]
    public void EwtGenreMatchesOnRealTestBatches(string method, string? extra)
    {
        string small = method switch
        {
            "trigram" => """{ "model": { "buckets": 512, "width": 10, "coreSizes": [9] } }""",
            "bilstm" => """{ "model": { "width": 10, "coreSizes": [9], "hidden": 5 } }""",
            _ => "{}",
        };
        var plan = Preset("ewt-genre", method, extra is null ? small : Merge(small, extra), seed: 1);
        Perturb(plan.Model.Module, 23);
        var (onnx, max) = Compare(plan);
        Assert.Equal(["genre"], onnx.Tasks);
        Assert.Equal(
            method switch
            {
                "trigram" => ["trigram_ids", "trigram_weights"],
                "bilstm" => ["words", "lengths", "chars", "char_lengths"],
                _ => ["lengths"],
            },
            onnx.InputNames);
        var meta = onnx.Proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(string.Join('\n', UdEnglishEwt.Genres), meta["mtl.task.genre.labels"]);
        if (method == "trigram")
        {
            Assert.Equal("512", meta["mtl.trigram.buckets"]);
            Assert.Equal(extra is null ? "l2" : "log", meta["mtl.trigram.normalization"]);
        }

        log.WriteLine($"ewt-genre/{method}{(extra is null ? "" : " " + extra)}: {onnx.NodeCount} nodes, {onnx.WeightCount} weights; max |ONNX - MtlSharp| = {max:G3}");
    }

    [DatasetFact("mnist")]
    public void ExportingOneTaskKeepsOnlyItsInputsAndEncoder()
    {
        var plan = Preset("multimodal", "shared", SmallMultimodal, seed: 4);
        Perturb(plan.Model.Module, 5);
        var (onnx, _) = Compare(plan, ["UPOS"]);
        Assert.Equal(["UPOS"], onnx.Tasks);
        Assert.Equal(["words", "lengths", "chars", "char_lengths"], onnx.InputNames);
        Assert.DoesNotContain(Initializers(onnx), n => n.StartsWith("encoder0.", StringComparison.Ordinal) || n.StartsWith("encoder2.", StringComparison.Ordinal));
        var shape = onnx.Proto.Graph.Output[0].Type.TensorType.Shape.Dim;
        Assert.Equal(["N", "T"], shape.Take(2).Select(d => d.DimParam));
    }

    private static string Merge(string a, string b)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(a)!.AsObject();
        MtlSharp.MultiTask.Configuration.MergePatch.Apply(root, System.Text.Json.Nodes.JsonNode.Parse(b)!.AsObject());
        return root.ToJsonString();
    }

    /// <summary>
    /// Exports the plan's model (tasks <paramref name="tasks"/>, all when null), runs it on the first test rows of
    /// every exported task (the other inputs from the same task's batch where a graph needs them) and compares each
    /// exported output with MtlSharp's on the same input; returns the largest |difference|.
    /// </summary>
    private (OnnxModel Model, double Max) Compare(RunPlan plan, IReadOnlyList<string>? tasks = null)
    {
        var onnx = OnnxExporter.Export(plan, tasks);
        byte[] bytes = onnx.ToArray();
        var test = ((ExampleEvaluator)plan.Evaluator).Test;
        var infos = plan.Data.Tasks;
        var formats = plan.TaskInputs!;
        var exported = onnx.Tasks.Select(n => infos.ToList().FindIndex(i => i.Name == n)).ToArray();
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(bytes, options);
        double max = 0;
        var model = plan.Model;
        model.Module.Eval();

        // One real batch per exported task (digit-rot's images are rotated, digit's not: each task its own test rows).
        var batches = exported.ToDictionary(t => t, t => test[t].Input([.. Enumerable.Range(0, Math.Min(Rows, test[t].Count))]));
        foreach (int t in exported)
        {
            // The task's own batch, and every other graph input from the batch of another task that reads it.
            var feeds = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
            try
            {
                foreach (int u in exported.OrderBy(u => u != t))
                {
                    foreach (var (name, value) in Feeds(batches[u], model))
                    {
                        if (onnx.InputNames.Contains(name) && !feeds.ContainsKey(name))
                        {
                            feeds[name] = value;
                        }
                        else
                        {
                            value.Dispose();
                        }
                    }
                }

                Assert.Equal(onnx.InputNames.Order(), feeds.Keys.Order());
                using var run = new Microsoft.ML.OnnxRuntime.RunOptions();
                string[] names = [.. feeds.Keys];
                using var outputs = session.Run(run, names, [.. names.Select(n => feeds[n])], [infos[t].Name]);
                float[] actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();
                long[] shape = outputs[0].GetTensorTypeAndShape().Shape;
                float[] expected = Reference(model, t, batches[t]);
                Assert.Equal(Examples(batches[t]), (int)shape[0]);
                if (formats[t].PerToken)
                {
                    var batch = ((SentenceInput)batches[t]).Value;
                    Assert.Equal([batch.BatchSize, batch.MaxLength, infos[t].Outputs], shape.Select(d => (int)d));
                }

                max = Math.Max(max, AssertClose(expected, actual, $"{plan.Preset}/{plan.Method} {infos[t].Name}", infos[t].Outputs));
            }
            finally
            {
                foreach (var v in feeds.Values)
                {
                    v.Dispose();
                }
            }
        }

        return (onnx, max);
    }

    /// <summary>MtlSharp's evaluation-mode output of task <paramref name="t"/> on <paramref name="input"/>.</summary>
    private static float[] Reference(IMultiTaskModel model, int t, BatchInput input)
    {
        using var _ = Autograd.NoGrad();
        var targets = new TaskTargets(new int[model is MultiInputModel m ? m.Encoders[m.TaskEncoder[t]].Rows(input) : Examples(input)], null);
        return model.Forward(new MultiTaskBatch([new TaskBatch(t, input, targets)]), new ForwardContext(0, false, new Rng(0), 1f))[0].ToArray();
    }

    private static int Examples(BatchInput input) => input switch
    {
        TensorInput x => x.Value.Shape[0],
        BagInput b => b.Rows,
        SentenceInput s => s.Value.BatchSize,
        _ => throw new InvalidOperationException(input.GetType().Name),
    };

    /// <summary>The ONNX inputs of one batch, by their unsuffixed names.</summary>
    private static IEnumerable<(string Name, OrtValue Value)> Feeds(BatchInput input, IMultiTaskModel model)
    {
        switch (input)
        {
            case TensorInput x:
            {
                bool image = x.Value.Rank == 4;
                yield return (image ? OnnxExporter.ImagesInput : OnnxExporter.RowsInput, OrtValue.CreateTensorValueFromMemory(x.Value.ToArray(), x.Value.Shape.ToArray().Select(d => (long)d).ToArray()));
                break;
            }

            case BagInput bags:
            {
                int n = bags.Rows, k = Math.Max(1, Enumerable.Range(0, n).Max(r => bags.Offsets[r + 1] - bags.Offsets[r]));
                var ids = new long[n * k];
                var weights = new float[n * k];
                for (int r = 0; r < n; r++)
                {
                    for (int j = bags.Offsets[r]; j < bags.Offsets[r + 1]; j++)
                    {
                        ids[(r * k) + j - bags.Offsets[r]] = bags.Ids[j];
                        weights[(r * k) + j - bags.Offsets[r]] = bags.Values[j];
                    }
                }

                if (model is ClassPriorModel)
                {
                    yield return (OnnxExporter.LengthsInput, OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, n).ToArray(), [n]));
                    break;
                }

                yield return (OnnxExporter.TrigramIdsInput, OrtValue.CreateTensorValueFromMemory(ids, [n, k]));
                yield return (OnnxExporter.TrigramWeightsInput, OrtValue.CreateTensorValueFromMemory(weights, [n, k]));
                break;
            }

            case SentenceInput s:
            {
                var batch = s.Value;
                long n = batch.BatchSize, tt = batch.MaxLength, l = batch.MaxChars;
                yield return (OnnxExporter.WordsInput, OrtValue.CreateTensorValueFromMemory(batch.WordIds.Select(v => (long)v).ToArray(), [n, tt]));
                yield return (OnnxExporter.LengthsInput, OrtValue.CreateTensorValueFromMemory(batch.Lengths.Select(v => (long)v).ToArray(), [n]));
                yield return (OnnxExporter.CharsInput, OrtValue.CreateTensorValueFromMemory(batch.CharIds!.Select(v => (long)v).ToArray(), [n, tt, l]));
                yield return (OnnxExporter.CharLengthsInput, OrtValue.CreateTensorValueFromMemory(batch.CharLengths.Select(v => (long)v).ToArray(), [n, tt]));
                break;
            }

            default:
                throw new InvalidOperationException($"No ONNX feed for {input.GetType().Name}.");
        }
    }
}
