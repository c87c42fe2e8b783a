using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;
using MtlSharp.NN.Checkpoints;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Evaluation;

public sealed class PredictorTests
{
    private static RunPlan Plan(string preset, string method, string? overrides = null) =>
        ConfigRunBuilder.Build(BuiltInConfigs.Load(preset).Resolve(method, overrides is null ? null : (JsonObject)JsonNode.Parse(overrides)!, Fixtures.DatasetsDir), seed: 0);

    /// <summary>Moves the weights off their initial values and gives every router a mixed allocation.</summary>
    private static void Scramble(RunPlan plan, ulong seed)
    {
        var rng = new Rng(seed);
        foreach (var p in plan.Model.Module.Parameters())
        {
            var noise = Tensor.Uniform(p.Value.Shape, -0.5f, 0.5f, rng).Span;
            Span<float> d = p.Data;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] += p.Kind.Role == ParameterRole.Routing ? 8 * noise[i] : noise[i];
            }
        }
    }

    private static float[] Reference(RunPlan plan, int task, Tensor x)
    {
        var network = ((RoutedModel)plan.Model).Network;
        network.Eval();
        using var _ = Autograd.NoGrad();
        return network.Forward(x, new RoutingContext(task, false, 1f, new Rng(3))).ToArray();
    }

    [Fact]
    public void LoadsACheckpointOnceAndPredictsWhatTheTrainedModelDoes()
    {
        const string small = """{ "data": { "train": 400, "test": 300 } }""";
        var trained = Plan("synthetic-gumbel", "gumbel", small);
        Scramble(trained, 5);
        string dir = Path.Combine(Path.GetTempPath(), "mtl-predictor-" + Guid.NewGuid().ToString("N"));
        try
        {
            Checkpoint.SaveModel(trained.Model.Module, Path.Combine(dir, Checkpoint.ModelFile));
            var predictor = Predictor.Load(Plan("synthetic-gumbel", "gumbel", small), Path.Combine(dir, Checkpoint.ModelFile));
            Assert.Equal([128], predictor.InputShape);
            Assert.Equal(4, predictor.Tasks.Count);
            var split = ((SplitEvaluator)trained.Evaluator).Splits[2].Test;
            float[] inputs = split.Inputs.AsSpan(0, 300 * 128).ToArray();   // more than one internal chunk of 256 rows
            var all = predictor.PredictAll(inputs);
            for (int t = 0; t < 4; t++)
            {
                float[] expected = Reference(trained, t, Tensor.FromArray(inputs, 300, 128));
                Assert.Equal(300, all[t].Length);
                for (int i = 0; i < expected.Length; i++)
                {
                    Assert.True(Math.Abs(expected[i] - all[t][i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"task {t} row {i}: {all[t][i]} vs {expected[i]}");
                }
            }

            Assert.Equal(all[1], predictor.Predict("cluster0-task1", inputs));
            Assert.Empty(predictor.Predict(0, []));
            Assert.Throws<ArgumentException>(() => predictor.Predict("nope", inputs));
            var e = Assert.Throws<ArgumentException>(() => predictor.Predict(0, inputs.AsSpan(0, 130)));
            Assert.Contains("not whole rows of shape [128]", e.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentOutOfRangeException>(() => predictor.Predict(4, inputs));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("mnist4", "gumbel")]
    [InlineData("mnist4", "shared-bottom")]
    [InlineData("mnist4", "no-sharing")]
    public void PredictAllEqualsEachTasksOwnPrediction(string preset, string method)
    {
        // PredictAll evaluates the union of the tasks' components once per layer; each task's outputs must be the
        // very values its own pass gives (same sums, same order), over more than one internal chunk of rows.
        var plan = Plan(preset, method);
        Scramble(plan, 8);
        var predictor = new Predictor(plan);
        var allocation = ((RoutedModel)plan.Model).Network.Allocations();
        if (method == "gumbel")
        {
            Assert.Contains(allocation, layer => layer.Skip(1).Any(row => !row.AsSpan().SequenceEqual(layer[0])));
        }

        float[] inputs = ((SplitEvaluator)plan.Evaluator).Splits[0].Test.Inputs.AsSpan(0, 300 * 784).ToArray();
        var all = predictor.PredictAll(inputs);
        for (int t = 0; t < 4; t++)
        {
            Assert.Equal(predictor.Predict(t, inputs), all[t]);
        }
    }

    [Fact]
    public void ConcurrentPredictionsEqualSequentialOnes()
    {
        var plan = Plan("mnist4", "gumbel");
        Scramble(plan, 6);
        var predictor = new Predictor(plan);
        var splits = ((SplitEvaluator)plan.Evaluator).Splits;
        int[] sizes = [1, 7, 64, 300];
        var jobs = new List<(int Task, float[] Input)>();
        for (int t = 0; t < 4; t++)
        {
            foreach (int n in sizes)
            {
                jobs.Add((t, splits[t].Test.Inputs.AsSpan(n * 784, n * 784).ToArray()));
            }
        }

        float[][] sequential = jobs.Select(j => predictor.Predict(j.Task, j.Input)).ToArray();
        var results = new float[8][][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, w =>
        {
            results[w] = new float[jobs.Count][];
            for (int k = 0; k < jobs.Count; k++)
            {
                int j = (k + (5 * w)) % jobs.Count;   // every worker in its own order
                results[w][j] = predictor.Predict(jobs[j].Task, jobs[j].Input);
            }
        });

        for (int w = 0; w < 8; w++)
        {
            for (int j = 0; j < jobs.Count; j++)
            {
                Assert.Equal(sequential[j], results[w][j]);
            }
        }

        Assert.Equal(10 * 300, sequential[^1].Length);
    }

    [DatasetFact("income")]
    public void ExpertMixturesPredictAsTheirNetworks()
    {
        foreach (string method in new[] { "mmoe", "ple" })
        {
            var plan = Plan("income", method);
            Scramble(plan, 7);
            var predictor = new Predictor(plan);
            var test = ((SplitEvaluator)plan.Evaluator).Splits[0].Test;
            int width = test.SampleSize;
            float[] inputs = test.Inputs.AsSpan(0, 300 * width).ToArray();
            var network = ((MtlSharp.MultiTask.Models.Experts.ExpertModel)plan.Model).Network;
            network.Eval();
            for (int t = 0; t < 2; t++)
            {
                float[] expected;
                using (Autograd.NoGrad())
                {
                    expected = network.Forward(Tensor.FromArray(inputs, 300, width), t).ToArray();
                }

                float[] actual = predictor.Predict(t, inputs);
                Assert.Equal(expected.Length, actual.Length);
                for (int i = 0; i < expected.Length; i++)
                {
                    Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"{method} task {t} value {i}: {actual[i]} vs {expected[i]}");
                }
            }
        }
    }
}
