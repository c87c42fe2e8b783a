using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Strategies;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Strategies.Sampling;

public sealed class AdaptiveSamplerTests
{
    private static readonly TaskInfo[] Tasks = [TaskInfo.Classification("a", 2), TaskInfo.Regression("b")];

    [Fact]
    public void ATaskLaggingItsTargetIsDrawnMoreByTheSoftmaxOfItsLag()
    {
        var s = new AdaptiveSampler(2, new Rng(1), tau: 0.1, targets: [0.9, 0.5]);
        Assert.Equal([0.5, 0.5], s.Probabilities);
        s.OnValidation(Tasks, [0.81, 0.5], step: 10);   // a lags 10 % (accuracy 0.81 < 0.9); b (MSE) is at its target
        double expected = 1 / (1 + Math.Exp(-0.1 / 0.1));
        Assert.Equal(expected, s.Probabilities[0], 12);
        Assert.Equal(1 - expected, s.Probabilities[1], 12);
        s.OnValidation(Tasks, [0.9, 0.75], step: 20);   // b's MSE 50 % above its target: b lags now (lower is better)
        Assert.Equal(1 / (1 + Math.Exp(-0.5 / 0.1)), s.Probabilities[1], 12);
        Assert.Equal([10L, 20L], s.History.Select(h => h.Step));

        int[] counts = new int[2];
        for (int i = 0; i < 20000; i++)
        {
            counts[s.Next()[0]]++;
        }

        Assert.InRange(counts[1] / 20000.0, s.Probabilities[1] - 0.01, s.Probabilities[1] + 0.01);
    }

    [Fact]
    public void WithoutTargetsItFavoursTasksBelowTheirBestAndItsStateIsSaved()
    {
        var s = new AdaptiveSampler(2, new Rng(2), tau: 0.2);
        s.OnValidation(Tasks, [0.8, 1.0], 5);
        Assert.Equal([0.5, 0.5], s.Probabilities);           // every task at its best so far
        s.OnValidation(Tasks, [0.6, 1.0], 6);
        Assert.True(s.Probabilities[0] > 0.7);                // a fell 25 % below its best
        var bag = new StateBag();
        s.SaveState(bag);
        var t = new AdaptiveSampler(2, new Rng(99), tau: 0.2);
        t.LoadState(bag);
        Assert.Equal(s.Probabilities, t.Probabilities);
        Assert.Equal(s.History.Select(h => h.Step), t.History.Select(h => h.Step));
        Assert.Equal(s.Next()[0], t.Next()[0]);
        s.OnValidation(Tasks, [0.8, 1.0], 7);
        t.OnValidation(Tasks, [0.8, 1.0], 7);
        Assert.Equal(s.Probabilities, t.Probabilities);
    }

    [Fact]
    public void OptionsNameTheirTasksAndUnknownOnesAreRejected()
    {
        var doc = BuiltInConfigs.Load("olive");
        var ok = doc.Resolve(null, (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse("""{"strategy": {"sampler": "adaptive", "samplerOptions": {"tau": 0.05, "target.area": 0.95}}}""")!, Fixtures.DatasetsDir);
        var plan = ConfigRunBuilder.Build(ok, seed: 0, scale: 0.05);
        var sampler = Assert.IsType<AdaptiveSampler>(plan.Options.Sampler);
        Assert.Equal(0.05, sampler.Tau);
        var e = Assert.Throws<ArgumentException>(() => Samplers.Create(SamplerKind.Adaptive, plan.Data, new Rng(0), options: new StrategyOptions(new Dictionary<string, double> { ["target.nope"] = 1 })));
        Assert.Contains("adaptive has no option target.nope", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARunReportsTheSamplersDecisions()
    {
        var doc = BuiltInConfigs.Load("olive");
        var c = doc.Resolve(null, (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse("""{"strategy": {"sampler": "adaptive"}}""")!, Fixtures.DatasetsDir);
        var report = ExperimentRunner.Run(ConfigRunBuilder.Build(c, seed: 1, scale: 0.1), new RunOptions { TensorBoard = false });
        var m = report.Matrices.Single(x => x.Name.StartsWith("adaptive sampler", StringComparison.Ordinal));
        Assert.Equal(["region", "area"], m.ColumnLabels);
        Assert.NotEmpty(m.Values);
        Assert.All(m.Values, row => Assert.Equal(1.0, row.Sum(), 9));
    }
}
