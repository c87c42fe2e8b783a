using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN;
using MtlSharp.NN.Checkpoints;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Tests.Training;

public sealed class TrainerTests
{
    internal static ExperimentSettings Small(int seed, double scale = 0.2) => new()
    {
        Seed = seed,
        ScheduleScale = scale,
        SyntheticTrainSize = 4000,
        SyntheticTestSize = 1000,
    };

    [Fact]
    public void SyntheticGumbelLearnsAndReportsAllocations()
    {
        var plan = GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, Small(0));
        var report = ExperimentRunner.Run(plan, new RunOptions());
        Assert.Equal(600 * 4, report.Updates);
        foreach (var curve in report.LossCurves)
        {
            Assert.True(curve.Y[^1] < curve.Y[0] / 2, $"{curve.Name}: loss {curve.Y[0]} → {curve.Y[^1]} did not halve");
        }

        Assert.Equal(4, plan.Data.Tasks.Count);
        Assert.All(report.Tasks, t => Assert.InRange(t.Test, 0, 10));
        Assert.Equal(4, report.Allocation![0].Length);
        Assert.InRange(report.ActiveFraction!.Value, 0.0, 1.0);
        Assert.Equal(4, report.Clusters!.Sum(c => c.Count));
        Assert.Equal(201, report.AllocationHistory[0].Steps.Length);
        Assert.Equal(1.0, report.TaskSimilarity![2][2], 9);
        Assert.Equal("rounds", report.Environment["sampler"]);
    }

    [Fact]
    public void SameSeedGivesIdenticalResults()
    {
        double Run() => ExperimentRunner.Run(GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, Small(3, 0.05)), new RunOptions()).Tasks.Sum(t => t.Test);
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void CheckpointReloadsToTheSameMetrics()
    {
        using var dir = new TempFolder();
        var plan = GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.NoSharing, Small(1, 0.05));
        var report = ExperimentRunner.Run(plan, new RunOptions { OutputDirectory = dir.Path });
        string last = Path.Combine(dir.Path, "checkpoints", "last");
        Assert.True(File.Exists(Path.Combine(last, Checkpoint.MetadataFile)));
        Assert.True(ExperimentRunner.IsComplete(dir.Path));

        var fresh = GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.NoSharing, Small(1, 0.05));
        Checkpoint.LoadModel(fresh.Model.Module, Path.Combine(last, Checkpoint.ModelFile));
        double[] again = fresh.Evaluator.Evaluate(fresh.Model, EvaluationSplit.Test);
        for (int t = 0; t < 2; t++)
        {
            Assert.Equal(report.Tasks[t].Test, again[t], 12);
        }
    }

    [Fact]
    public void CancellationStopsEarlyKeepsTheLastCheckpointAndLeavesTheRunUnfinished()
    {
        using var dir = new TempFolder();
        var plan = GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, Small(2));
        // An earlier, finished run in the same folder: a fresh start must not leave any of it to be taken for this run's.
        File.WriteAllText(Path.Combine(dir.Path, ExperimentRunner.CompleteFile), "{}");
        Directory.CreateDirectory(Path.Combine(dir.Path, "checkpoints", "best"));
        File.WriteAllText(Path.Combine(dir.Path, "checkpoints", "best", "stale"), "x");
        using var cts = new CancellationTokenSource();
        var report = ExperimentRunner.Run(plan, new RunOptions { OutputDirectory = dir.Path, Progress = new CancelAfter(cts, 200) }, cts.Token);
        Assert.Equal("yes", report.Environment["cancelled"]);
        Assert.InRange(report.Updates, 200, 300);
        Assert.Equal(report.Updates, Checkpoint.ReadMetadata(Path.Combine(dir.Path, "checkpoints", "last")).Step);
        Assert.False(ExperimentRunner.IsComplete(dir.Path));
        Assert.False(File.Exists(Path.Combine(dir.Path, "checkpoints", "best", "stale")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "report.json")));
    }

    [Theory]
    [InlineData(150)]
    [InlineData(777)]
    public void ARunCancelledAndResumedEndsExactlyLikeTheUninterruptedRun(int cancelAt)
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        RunPlan Plan() => GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, Small(4, 0.25));
        var whole = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = a.Path, CheckpointEverySteps = 100 });

        using (var cts = new CancellationTokenSource())
        {
            var cut = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = b.Path, CheckpointEverySteps = 100, Progress = new CancelAfter(cts, cancelAt) }, cts.Token);
            Assert.Equal("yes", cut.Environment["cancelled"]);
        }

        var resumed = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = b.Path, CheckpointEverySteps = 100, Resume = true });
        AssertSameResults(whole, resumed);
        Assert.True(ExperimentRunner.IsComplete(b.Path));

        // The metrics log holds each loss window once, as the uninterrupted run's does.
        Assert.Equal(File.ReadAllLines(Path.Combine(a.Path, ExperimentRunner.MetricsFile)).Where(l => !l.Contains("\"end\"", StringComparison.Ordinal)),
            File.ReadAllLines(Path.Combine(b.Path, ExperimentRunner.MetricsFile)).Where(l => !l.Contains("\"end\"", StringComparison.Ordinal) && !l.Contains("\"cancelled\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void ResumingFromAnOlderCheckpointRepeatsTheLostStepsExactly()
    {
        // A kill after a checkpoint: the last saved state is older than what the process had done. Simulated by
        // copying checkpoints/last away mid-run and restoring it after the run finished.
        using var a = new TempFolder();
        using var b = new TempFolder();
        var whole = ExperimentRunner.Run(GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.SharedBottom, Small(5, 0.1)), new RunOptions { OutputDirectory = a.Path });
        string saved = Path.Combine(b.Path, "saved");
        var plan = GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.SharedBottom, Small(5, 0.1));
        var copier = new CopyAt(Path.Combine(b.Path, "run", "checkpoints", "last"), saved, 250);
        ExperimentRunner.Run(plan, new RunOptions { OutputDirectory = Path.Combine(b.Path, "run"), CheckpointEverySteps = 50, Progress = copier });
        Assert.True(copier.Copied);
        string last = Path.Combine(b.Path, "run", "checkpoints", "last");
        Directory.Delete(last, true);
        Directory.Move(saved, last);
        File.Delete(Path.Combine(b.Path, "run", ExperimentRunner.CompleteFile));
        var resumed = ExperimentRunner.Run(GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.SharedBottom, Small(5, 0.1)), new RunOptions { OutputDirectory = Path.Combine(b.Path, "run"), Resume = true });
        AssertSameResults(whole, resumed);
    }

    [Fact]
    public void EarlyStoppingAndKeepBestFollowTheValidationScore()
    {
        var plan = GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, Small(6, 0.05));
        var evaluator = new ScriptedEvaluator(plan.Evaluator, [0.5, 0.7, 0.6, 0.65, 0.9]);
        var snapshots = new ParameterRecorder();
        var trainer = new Trainer(plan.Model, plan.Data, evaluator, plan.Options with { EvaluateEvery = 10, Patience = 2 }, [snapshots]);
        var outcome = trainer.Train();
        Assert.Equal(40, outcome.Updates);                      // evaluations at 10, 20 (best), 30, 40 → stop
        Assert.Equal(20, outcome.SelectedStep);
        Assert.NotNull(outcome.StopReason);
        Assert.Equal(snapshots.At[20], plan.Model.Module.Parameters().SelectMany(p => p.Data.ToArray()).ToArray());
        Assert.Equal(5, evaluator.Calls);                        // 4 during training, 1 for the reported validation metrics
    }

    [Fact]
    public void MeanAggregatorGivesSharedParametersTheMeanGradientAndHeadsTheirOwn()
    {
        var plan = GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.SharedBottom, Small(7, 0.05));
        var model = (RoutedModel)plan.Model;
        var all = model.Module.Parameters();
        var shared = new HashSet<Parameter>(model.SharedParameters);
        Assert.NotEmpty(shared);
        Assert.True(all.Count > shared.Count);
        var splits = ((SplitEvaluator)plan.Evaluator).Splits;
        var data = new SplitTrainingData(splits, 8, [new Rng(1), new Rng(2)]);
        var options = plan.Options with
        {
            Optimizers = [new Sgd(all, 1f)],
            Sampler = new AllTasksSampler(2),
            Aggregator = new MeanAggregator(),
            ClipNorm = 0,
        };
        var trainer = new Trainer(model, data, plan.Evaluator, options);

        // The expected gradients, from one backward pass of Σ_t L_t on the same batch.
        var probe = data.Next([0, 1]);
        var before = all.Select(p => p.Data.ToArray()).ToArray();
        var ctx = new ForwardContext(0, true, new Rng(9), 1f);
        var outputs = model.Forward(probe, ctx);
        var sum = Ops.Add(MtlSharp.MultiTask.Objectives.TaskLoss.Compute(plan.Data.Tasks[0], outputs[0], probe.Parts[0].Targets)!.Value.Loss,
            MtlSharp.MultiTask.Objectives.TaskLoss.Compute(plan.Data.Tasks[1], outputs[1], probe.Parts[1].Targets)!.Value.Loss);
        foreach (var p in all)
        {
            p.ZeroGrad();
        }

        Autograd.Backward(sum);
        var expected = all.Select(p => p.Grad.ToArray().Select(g => shared.Contains(p) ? g / 2 : g).ToArray()).ToArray();
        trainer.Update(probe, 0);
        for (int i = 0; i < all.Count; i++)
        {
            float[] delta = before[i].Zip(all[i].Data.ToArray(), (x, y) => x - y).ToArray();   // SGD, lr 1: θ − g
            Assert.Equal(expected[i].Length, delta.Length);
            for (int k = 0; k < delta.Length; k++)
            {
                Assert.Equal(expected[i][k], delta[k], 1e-4f + (1e-3f * Math.Abs(expected[i][k])));
            }
        }
    }

    [Theory]
    [InlineData(SamplerKind.Rounds, AggregatorKind.None, 40 * 4)]
    [InlineData(SamplerKind.All, AggregatorKind.None, 40)]
    [InlineData(SamplerKind.All, AggregatorKind.Mean, 40)]
    [InlineData(SamplerKind.Uniform, AggregatorKind.None, 40 * 4)]
    [InlineData(SamplerKind.Proportional, AggregatorKind.None, 40 * 4)]
    [InlineData(SamplerKind.Temperature, AggregatorKind.None, 40 * 4)]
    public void EverySamplerAndTheMeanAggregatorTrainTheRoutedPresets(SamplerKind sampler, AggregatorKind aggregator, long updates)
    {
        var settings = Small(10, 40 / 3000.0) with { Sampler = sampler, Aggregator = aggregator, Budget = 0.5f };
        var report = ExperimentRunner.Run(GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, settings), new RunOptions());
        Assert.Equal(updates, report.Updates);
        Assert.All(report.Tasks, t => Assert.True(double.IsFinite(t.Test)));
        Assert.Equal(sampler.ToString().ToLowerInvariant(), report.Environment["sampler"]);
    }

    [Fact]
    public void LearningRateSchedulesFollowTheUpdateCountAcrossAResume()
    {
        using var dir = new TempFolder();
        var plan = GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, Small(11, 0.05));
        var schedules = new ILearningRateSchedule?[] { new StepSchedule(100, 0.5f), null };
        var rates = new LearningRateRecorder();
        using (var cts = new CancellationTokenSource())
        {
            var first = new Trainer(plan.Model, plan.Data, plan.Evaluator, plan.Options with { Schedules = schedules }, [rates, new CancelOn(cts, 250)]);
            first.Train(cts.Token);
            first.Run.SaveState(dir.Path, new CheckpointMetadata());
        }

        var again = GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, Small(11, 0.05));
        var later = new LearningRateRecorder();
        var second = new Trainer(again.Model, again.Data, again.Evaluator, again.Options with { Schedules = schedules }, [later, new CancelOn(new CancellationTokenSource(), long.MaxValue)]);
        second.Resume(dir.Path);
        second.Train();
        // Model Adam: 0.01 × 0.5^⌊n/100⌋ at update n (0-based); the router's Adam keeps its rate.
        Assert.Equal(0.01f, rates.At[1].Model, 6);
        Assert.Equal(0.005f, rates.At[101].Model, 6);
        Assert.Equal(0.0025f, rates.At[201].Model, 6);
        Assert.Equal(0.01f * MathF.Pow(0.5f, 5), later.At[501].Model, 6);
        Assert.Equal(0.01f, later.At[501].Router, 6);
        Assert.Equal(600, later.At.Keys.Max());
    }

    [Fact]
    public void AnAggregatorWithOneTaskPerStepIsRejectedWithAReason()
    {
        var plan = GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, Small(0, 0.01));
        var ex = Assert.Throws<ArgumentException>(() => new Trainer(plan.Model, plan.Data, plan.Evaluator, plan.Options with { Aggregator = new MeanAggregator() }));
        Assert.Contains("one task in each step", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new Trainer(plan.Model, plan.Data, plan.Evaluator, plan.Options with
        {
            Aggregator = new MeanAggregator(),
            Weighting = MtlSharp.MultiTask.Strategies.Weighting.FixedWeighting.Equal(4),
            Sampler = new AllTasksSampler(4),
        }));
    }

    [Fact]
    public void ATaskWithoutLabelsInABatchContributesNothingAndNoNaN()
    {
        var plan = GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.SharedBottom, Small(8, 0.05));
        var all = plan.Model.Module.Parameters();
        var options = plan.Options with { Optimizers = [new Sgd(all, 0.1f)], Sampler = new AllTasksSampler(2), ClipNorm = 0 };
        var trainer = new Trainer(plan.Model, plan.Data, plan.Evaluator, options);
        var probe = plan.Data.Next([0, 1]);
        int rows = probe.Parts[1].Targets.Rows;
        var unlabelled = new TaskTargets(null, Enumerable.Repeat(float.NaN, rows).ToArray(), new float[rows]);
        var batch = new MultiTaskBatch([probe.Parts[0], probe.Parts[1] with { Targets = unlabelled }]);
        var result = trainer.Update(batch, 0);
        Assert.False(float.IsNaN(result.Losses[0]));
        Assert.True(float.IsNaN(result.Losses[1]));   // reported as absent
        Assert.All(all, p => Assert.All(p.Data.ToArray(), v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public void TensorBoardEventsAndTheMetricsLogAreWritten()
    {
        using var dir = new TempFolder();
        var plan = GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, Small(9, 0.05));
        string stale = Path.Combine(dir.Path, ".report.json.0123456789abcdef.tmp");   // left by a kill during an atomic write
        File.WriteAllText(stale, "partial");
        ExperimentRunner.Run(plan, new RunOptions { OutputDirectory = dir.Path });
        Assert.False(File.Exists(stale));
        string file = Directory.GetFiles(Path.Combine(dir.Path, "tensorboard"), "events.out.tfevents.*").Single();
        var events = MtlSharp.MultiTask.Tests.Reporting.TfEventsReader.ReadEvents(file);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        var tags = events.Skip(1).SelectMany(e => e.Summary.Value.Select(v => v.Tag)).ToHashSet();
        Assert.Contains("loss/cluster0-task0", tags);
        Assert.Contains("lr/opt1/group0", tags);
        Assert.Contains("allocation/layer0/task3/c2", tags);
        var losses = events.Skip(1).Where(e => e.Summary.Value.Any(v => v.Tag.StartsWith("loss/", StringComparison.Ordinal))).Select(e => e.Step).ToArray();
        Assert.Equal(losses.Order().ToArray(), losses);
        Assert.Equal(600, losses[^1]);

        var lines = File.ReadAllLines(Path.Combine(dir.Path, ExperimentRunner.MetricsFile));
        Assert.True(lines.Length > 10);
        foreach (string line in lines)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            Assert.True(doc.RootElement.GetProperty("step").GetInt64() >= 0);
        }
    }

    [Fact]
    public void CheckpointFoldersAreReplacedAsAUnitAndTheOldOneIsFoundAfterAKillBetweenRenames()
    {
        using var dir = new TempFolder();
        string last = Path.Combine(dir.Path, "last");
        void Write(int step) => CheckpointFolder.Write(last, d =>
        {
            File.WriteAllText(Path.Combine(d, "model.safetensors"), step.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(d, Checkpoint.MetadataFile), "{}");
        });
        Write(1);
        Write(2);
        Assert.Equal("2", File.ReadAllText(Path.Combine(last, "model.safetensors")));
        Assert.Equal(last, CheckpointFolder.Resolve(last));
        Assert.Single(Directory.GetDirectories(dir.Path));      // no .partial or .old left

        // A kill between the two renames leaves the previous folder under .last.old.
        Directory.Move(last, Path.Combine(dir.Path, ".last.old"));
        Assert.Equal(Path.Combine(dir.Path, ".last.old"), CheckpointFolder.Resolve(last));
        Directory.CreateDirectory(Path.Combine(dir.Path, ".last.partial"));   // and a half-written one
        Write(3);
        Assert.Equal("3", File.ReadAllText(Path.Combine(last, "model.safetensors")));
        Assert.Single(Directory.GetDirectories(dir.Path));
        Assert.Null(CheckpointFolder.Resolve(Path.Combine(dir.Path, "none")));
    }

    private static void AssertSameResults(RunReport expected, RunReport actual)
    {
        Assert.Equal(expected.Updates, actual.Updates);
        Assert.Equal(expected.MeanTest, actual.MeanTest);
        Assert.Equal(expected.Tasks.Select(t => (t.Test, t.Valid)), actual.Tasks.Select(t => (t.Test, t.Valid)));
        Assert.Equal(expected.LossCurves.Select(c => c.Y), actual.LossCurves.Select(c => c.Y));
        Assert.Equal(expected.MetricCurves.Select(c => c.Y), actual.MetricCurves.Select(c => c.Y));
        Assert.Equal(expected.AllocationHistory.SelectMany(h => h.Probabilities.SelectMany(p => p.SelectMany(r => r))),
            actual.AllocationHistory.SelectMany(h => h.Probabilities.SelectMany(p => p.SelectMany(r => r))));
        Assert.Equal(expected.Allocation!.SelectMany(l => l.SelectMany(r => r)), actual.Allocation!.SelectMany(l => l.SelectMany(r => r)));
    }

    private sealed class LearningRateRecorder : TrainingCallback
    {
        public Dictionary<long, (float Model, float Router)> At { get; } = [];

        public override string Name => "lr-recorder";

        public override void OnStep(TrainingRun run, in StepResult step) =>
            At[step.Step] = ((float)run.LearningRates()[0].Value, (float)run.LearningRates()[1].Value);
    }

    private sealed class CancelOn(CancellationTokenSource cts, long update) : TrainingCallback
    {
        public override string Name => "cancel-on";

        public override void OnStep(TrainingRun run, in StepResult step)
        {
            if (step.Step >= update)
            {
                cts.Cancel();
            }
        }
    }

    private sealed class CancelAfter(CancellationTokenSource cts, long updates) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Update >= updates)
            {
                cts.Cancel();
            }
        }
    }
}
