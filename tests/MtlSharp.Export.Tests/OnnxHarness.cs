using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using MtlSharp.Export.Onnx;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;
using Xunit.Abstractions;

namespace MtlSharp.Export.Tests;

/// <summary>Exports routed and expert models and checks them in ONNX Runtime against MtlSharp's own evaluation-mode outputs.</summary>
internal static class OnnxHarness
{
    /// <summary>|onnx − mtl| ≤ Tolerance · max(1, |mtl|): absolute for small values, relative for large ones.</summary>
    public const double Tolerance = 1e-5;

    /// <summary>A preset's run with small synthetic data (<c>overrides</c> merged in).</summary>
    public static RunPlan Preset(string name, string method, string? overrides = null, int seed = 0) =>
        ConfigRunBuilder.Build(BuiltInConfigs.Load(name).Resolve(method, overrides is null ? null : (JsonObject)JsonNode.Parse(overrides)!, Fixtures.DatasetsDir), seed, 1.0);

    public static RoutedNetwork Network(RunPlan plan) => ((RoutedModel)plan.Model).Network;

    /// <summary>Moves every non-routing parameter off its initial value (biases are zero at initialisation).</summary>
    public static void Perturb(Module module, ulong seed)
    {
        var rng = new Rng(seed);
        foreach (var p in module.Parameters())
        {
            if (p.Kind.Role == ParameterRole.Routing)
            {
                continue;
            }

            var noise = Tensor.Uniform(p.Value.Shape, -0.2f, 0.2f, rng).Span;
            Span<float> d = p.Data;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] += noise[i];
            }
        }
    }

    /// <summary>Sets a Gumbel router's logits so that its maximum-likelihood allocation is <paramref name="allocation"/>.</summary>
    public static void Allocate(RoutedLayer layer, int[][] allocation)
    {
        var logits = layer.Router.Logits ?? throw new InvalidOperationException("not a learned router");
        Span<float> v = logits.Span;
        for (int t = 0; t < allocation.Length; t++)
        {
            for (int c = 0; c < allocation[t].Length; c++)
            {
                v[(((t * allocation[t].Length) + c) * 2) + 0] = allocation[t][c] == 1 ? 0.7f : -0.7f;
                v[(((t * allocation[t].Length) + c) * 2) + 1] = 0f;
            }
        }

        Assert.Equal(allocation, layer.Router.MaximumLikelihood());
    }

    /// <summary>MtlSharp's evaluation-mode output of <paramref name="task"/> on <paramref name="x"/>.</summary>
    public static float[] Reference(RoutedNetwork network, Tensor x, int task)
    {
        network.Eval();
        using var _ = Autograd.NoGrad();
        return network.Forward(x, new RoutingContext(task, false, 1f, new Rng(1))).ToArray();
    }

    /// <summary>MtlSharp's evaluation-mode output of <paramref name="task"/> on <paramref name="x"/> (a routed or expert model).</summary>
    public static float[] Reference(RunPlan plan, Tensor x, int task)
    {
        if (plan.Model is RoutedModel routed)
        {
            return Reference(routed.Network, x, task);
        }

        var experts = ((ExpertModel)plan.Model).Network;
        experts.Eval();
        using var _ = Autograd.NoGrad();
        return experts.Forward(x, task).ToArray();
    }

    /// <summary>Runs <paramref name="model"/> in ONNX Runtime on one batch; every output by name.</summary>
    public static Dictionary<string, (float[] Data, long[] Shape)> Run(byte[] model, string inputName, float[] input, int[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape.Select(d => (long)d).ToArray());
        using var run = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var outputs = session.Run(run, [inputName], [value], session.OutputNames);
        var result = new Dictionary<string, (float[], long[])>(StringComparer.Ordinal);
        int i = 0;
        foreach (var o in outputs)
        {
            result[session.OutputNames[i++]] = (o.GetTensorDataAsSpan<float>().ToArray(), o.GetTensorTypeAndShape().Shape);
        }

        return result;
    }

    /// <summary>
    /// Asserts <paramref name="actual"/> matches <paramref name="expected"/> within <see cref="Tolerance"/> ·
    /// max(1, |expected|), or — with <paramref name="rowWidth"/> &gt; 0 — within <see cref="Tolerance"/> · max(1, the
    /// largest |expected| of the value's row of <paramref name="rowWidth"/> values: an example's logits); returns the
    /// largest |difference|.
    /// </summary>
    public static double AssertClose(float[] expected, float[] actual, string what, int rowWidth = 0)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]), $"{what}[{i}] = {actual[i]}");
            double diff = Math.Abs((double)expected[i] - actual[i]);
            max = Math.Max(max, diff);
            double scale = rowWidth > 0 ? expected.AsSpan((i / rowWidth) * rowWidth, rowWidth).ToArray().Max(Math.Abs) : Math.Abs(expected[i]);
            Assert.True(diff <= Tolerance * Math.Max(1.0, scale), $"{what}[{i}]: ONNX {actual[i]:R}, MtlSharp {expected[i]:R} (|diff| {diff:G3})");
        }

        return max;
    }

    /// <summary>
    /// Exports <paramref name="plan"/>'s model (tasks <paramref name="tasks"/>, all when null), runs it in ONNX
    /// Runtime on the first <paramref name="rows"/> test inputs of each exported task and compares every output with
    /// MtlSharp's (per example's logit scale when <paramref name="perExample"/>: see <see cref="AssertClose"/>; only
    /// the first <paramref name="sources"/> exported tasks' inputs when given); returns the model and the largest
    /// |difference| seen.
    /// </summary>
    public static (OnnxModel Model, double MaxDiff) ExportAndCompare(RunPlan plan, ITestOutputHelper log, int rows = 64, IReadOnlyList<string>? tasks = null, Func<int, Tensor>? inputs = null, bool perExample = false, int? sources = null)
    {
        var model = OnnxExporter.Export(plan, tasks);
        byte[] bytes = model.ToArray();
        var splits = ((SplitEvaluator)plan.Evaluator).Splits;
        var names = plan.Data.Tasks.Select(t => t.Name).ToList();
        double max = 0;
        foreach (string source in model.Tasks.Take(sources ?? model.Tasks.Count))
        {
            int s = names.IndexOf(source);
            Tensor x = inputs?.Invoke(s) ?? splits[s].Test.InputsRange(0, Math.Min(rows, splits[s].Test.Count));
            var outputs = Run(bytes, model.InputName, x.ToArray(), x.Shape.ToArray());
            Assert.Equal(model.Tasks, outputs.Keys.ToArray());
            foreach (string name in model.Tasks)
            {
                int t = names.IndexOf(name);
                float[] expected = Reference(plan, x, t);
                var (actual, shape) = outputs[name];
                Assert.Equal(x.Shape[0], shape[0]);
                max = Math.Max(max, AssertClose(expected, actual, $"{name} on {source}'s inputs", perExample ? (int)(actual.Length / shape[0]) : 0));
            }
        }

        log.WriteLine($"{plan.Preset}/{plan.Method}: {model.Tasks.Count} outputs, {model.NodeCount} nodes, {model.WeightCount} weights, {bytes.Length} bytes; max |ONNX - MtlSharp| = {max:G3}");
        return (model, max);
    }

    public static string[] Initializers(OnnxModel model) => model.Proto.Graph.Initializer.Select(i => i.Name).ToArray();

    public static int Count(OnnxModel model, string op) => model.Proto.Graph.Node.Count(n => n.OpType == op);

    public static ModelProto Proto(OnnxModel model) => model.Proto;
}
