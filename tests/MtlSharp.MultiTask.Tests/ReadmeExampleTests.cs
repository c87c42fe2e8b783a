using MtlSharp.Data.Synthetic;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tests;

/// <summary>The README's library example, as written there (with a short schedule and small synthetic data).</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void TheLibraryExampleTrainsAndFindsTheTaskPairs()
    {
        IReadOnlyList<TaskData> taskData = SyntheticPairs();
        var rng = new Rng(42);                                     // explicit RNG everywhere, never a global one
        int tasks = taskData.Count;
        var layer = new RoutedLayer(
            new MlpComponents(count: 4, dims: [128, 16, 16, 1], outputRelu: false, rng),
            new GumbelMatrixRouter(tasks, components: 4, pInit: 0.5f),
            CombineMode.Mean);
        var network = new RoutedNetwork([layer], heads: null, dropout: 0f, tasks);
        var options = new TrainerOptions
        {
            TotalSteps = 600 * tasks,
            Optimizers = [new Adam(network.Parameters(k => k.Role != ParameterRole.Routing), 0.01f),
                          new Adam(network.Parameters(ParameterRole.Routing), 0.01f)],
            Sampler = new RoundSampler(tasks, rng.Split()),
            ClipNorm = 1f,
            Noise = rng.Split(),
        };
        var data = new SplitTrainingData(taskData, batchSize: 64, [.. taskData.Select(_ => rng.Split())]);
        var trainer = new Trainer(new RoutedModel(network), data, new SplitEvaluator(taskData, seed: 42), options);
        TrainingOutcome outcome = trainer.Train();
        var allocation = network.Allocations();
        var clusters = TaskEmbeddings.Clusters(TaskEmbeddings.Embed(allocation));

        Assert.Equal(2400, outcome.Updates);
        Assert.Equal(4, outcome.Tasks.Count);
        Assert.All(outcome.Tasks, t => Assert.True(double.IsFinite(t.Test)));
        Assert.Equal(4, clusters.Sum(c => c.Count));
    }

    private static TaskData[] SyntheticPairs()
    {
        var all = SyntheticRegression.Generate(SyntheticRegressionOptions.Pairs(2, 1.0), 3000, new Rng(7));
        var train = all.Slice(0, 2500);
        var test = all.Slice(2500, 500);
        return Enumerable.Range(0, all.NumTasks).Select(t => new TaskData(
            $"task{t}", TaskKind.Regression, 1,
            new TaskSplit(train.Inputs[t], [all.Dim], null, train.Targets[t]),
            new TaskSplit(test.Inputs[t], [all.Dim], null, test.Targets[t]))).ToArray();
    }

    [Fact]
    public void TheConfigurationExampleTrainsAPreset()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mtl-readme-" + Guid.NewGuid().ToString("N"));
        try
        {
            var doc = MtlSharp.MultiTask.Configuration.BuiltInConfigs.Load("olive");
            MtlSharp.MultiTask.Configuration.RunConfig config = doc.Resolve("gumbel", overrides: null, dataDirectory: MtlSharp.Testing.Fixtures.DatasetsDir);
            MtlSharp.MultiTask.Experiments.RunPlan plan = MtlSharp.MultiTask.Configuration.ConfigRunBuilder.Build(config, seed: 0, scale: 0.1);
            var report = MtlSharp.MultiTask.Experiments.ExperimentRunner.Run(plan, new MtlSharp.MultiTask.Experiments.RunOptions { OutputDirectory = dir, TensorBoard = false });
            Assert.Equal(["region", "area"], report.Tasks.Select(t => t.Name));
            Assert.True(report.Tasks[0].Test > 0.8, $"region accuracy {report.Tasks[0].Test}");   // 3 classes; the majority is 56%
            Assert.True(File.Exists(Path.Combine(dir, "report.json")));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
