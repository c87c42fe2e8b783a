using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Tests.Configuration;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Tests.Training;

/// <summary>
/// Aggregation over the shared representation (MGDA-UB, LibMTL's rep_grad): per-task gradients with respect to z, the
/// aggregated direction back-propagated once through the trunk; the heads get their own task's gradient.
/// </summary>
public sealed class RepresentationGradientTests
{
    private const int Features = 5, Rows = 64;

    /// <summary>Three tasks over one input array: 3-way classification, and two regressions.</summary>
    internal static TaskData[] Tasks()
    {
        var rng = new Rng(11);
        var x = new float[Rows * Features];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.NextGaussian();
        }

        var labels = new int[Rows];
        var y1 = new float[Rows];
        var y2 = new float[Rows];
        for (int i = 0; i < Rows; i++)
        {
            labels[i] = (int)(rng.NextDouble() * 3);
            y1[i] = x[i * Features] - x[(i * Features) + 1];
            y2[i] = -x[i * Features] + (0.5f * x[(i * Features) + 2]);
        }

        int[] shape = [Features];
        return
        [
            new("c", TaskKind.Classification, 3, new TaskSplit(x, shape, labels, null), new TaskSplit(x, shape, labels, null)),
            new("r1", TaskKind.Regression, 1, new TaskSplit(x, shape, null, y1), new TaskSplit(x, shape, null, y1)),
            new("r2", TaskKind.Regression, 1, new TaskSplit(x, shape, null, y2), new TaskSplit(x, shape, null, y2)),
        ];
    }

    internal static RoutedModel SharedBottom(IRouter? router = null, float dropout = 0f)
    {
        var rng = new Rng(5);
        var layer = new RoutedLayer(new MlpComponents(1, [Features, 7], outputRelu: true, rng.Split()), router ?? FixedRouter.SharedBottom(3, 1), CombineMode.Mean);
        var layer2 = new RoutedLayer(new MlpComponents(1, [7, 6], outputRelu: true, rng.Split()), FixedRouter.SharedBottom(3, 1), CombineMode.Mean);
        return new RoutedModel(new RoutedNetwork([layer, layer2], new TaskHeads(6, [3, 1, 1], rng.Split()), dropout, 3));
    }

    private static (Trainer Trainer, IReadOnlyList<Parameter> All, MultiTaskBatch Batch) Setup(RoutedModel model, IGradientAggregator aggregator, GradientSpace space)
    {
        var tasks = Tasks();
        var data = new SharedRowsTrainingData(tasks, 16, new Rng(3));
        var all = model.Module.Parameters();
        var options = new TrainerOptions
        {
            TotalSteps = 10,
            Optimizers = [new Sgd(all, 1f)],
            Sampler = new AllTasksSampler(3),
            Aggregator = aggregator,
            GradientSpace = space,
            Noise = new Rng(1),
        };
        var trainer = new Trainer(model, data, new SplitEvaluator(tasks, seed: 1), options);
        return (trainer, all, data.Next([0, 1, 2]));
    }

    /// <summary>θ − θ' after one update with SGD at learning rate 1: the gradient the loop applied.</summary>
    private static float[][] AppliedGradient(Trainer trainer, IReadOnlyList<Parameter> all, MultiTaskBatch batch)
    {
        var before = all.Select(p => p.Data.ToArray()).ToArray();
        trainer.Update(batch, 0);
        return all.Select((p, i) => before[i].Zip(p.Data.ToArray(), (a, b) => a - b).ToArray()).ToArray();
    }

    [Fact]
    public void TheMeanOverTheRepresentationAppliesTheSameGradientAsTheMeanOverTheParameters()
    {
        // Both give the trunk ∇(mean of the losses) and every head its own task's gradient.
        var (t1, all1, batch1) = Setup(SharedBottom(), new MeanAggregator(), GradientSpace.Parameters);
        var (t2, all2, batch2) = Setup(SharedBottom(), new MeanAggregator(), GradientSpace.Representation);
        var g1 = AppliedGradient(t1, all1, batch1);
        var g2 = AppliedGradient(t2, all2, batch2);
        Assert.Equal(g1.Length, g2.Length);
        double largest = 0;
        for (int i = 0; i < g1.Length; i++)
        {
            for (int k = 0; k < g1[i].Length; k++)
            {
                Assert.Equal(g1[i][k], g2[i][k], 1e-5f + (1e-4f * Math.Abs(g1[i][k])));
                largest = Math.Max(largest, Math.Abs(g1[i][k]));
            }
        }

        Assert.True(largest > 1e-3, "the update moved nothing");
    }

    [Fact]
    public void MgdaUbWeighsTheLossesByTheMinNormPointOfTheRepresentationGradients()
    {
        var model = SharedBottom();
        var (trainer, all, batch) = Setup(model, new MgdaAggregator(), GradientSpace.Representation);

        // Independently: z, each task's ∂L/∂z, MGDA's weights on their Gram matrix, then ∇(Σ w_t L_t) for the trunk
        // and ∇(Σ L_t) for the heads — on a copy of the model with the same parameters.
        var reference = SharedBottom();
        var refAll = reference.Module.Parameters();
        var ctx = new ForwardContext(0, true, new Rng(1), 1f);
        var outputs = reference.ForwardWithRepresentation(batch, ctx, out var z);
        var infos = Tasks().Select(t => t.Info).ToArray();
        var losses = Enumerable.Range(0, 3).Select(t => TaskLoss.Compute(infos[t], outputs[t], batch.Parts[t].Targets)!.Value.Loss).ToArray();
        var gz = losses.Select(l =>
        {
            var g = new float[z.Length];
            Autograd.Grad(l, [z], g);
            return g;
        }).ToArray();
        var gram = new double[3, 3];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                gram[i, j] = gz[i].Zip(gz[j], (a, b) => (double)a * b).Sum();
            }
        }

        double[] w = MgdaAggregator.Weights(gram);
        Assert.Equal(1.0, w.Sum(), 1e-9);
        var trunk = new HashSet<Parameter>(reference.RepresentationParameters);
        Assert.NotEmpty(trunk);
        Assert.True(trunk.Count < refAll.Count);
        var weighted = Ops.Add(Ops.Add(Ops.Scale(losses[0], (float)w[0]), Ops.Scale(losses[1], (float)w[1])), Ops.Scale(losses[2], (float)w[2]));
        var plain = Ops.Add(Ops.Add(losses[0], losses[1]), losses[2]);
        var trunkParams = refAll.Where(trunk.Contains).ToArray();
        var headParams = refAll.Where(p => !trunk.Contains(p)).ToArray();
        var expectedTrunk = new float[trunkParams.Sum(p => p.Length)];
        var expectedHeads = new float[headParams.Sum(p => p.Length)];
        Autograd.Grad(weighted, trunkParams.Select(p => p.Value).ToList(), expectedTrunk);
        Autograd.Grad(plain, headParams.Select(p => p.Value).ToList(), expectedHeads);

        var applied = AppliedGradient(trainer, all, batch);
        float[] got(IEnumerable<Parameter> ps, IReadOnlyList<Parameter> own) =>
            ps.SelectMany(p => applied[IndexOf(own, refAll, p)]).ToArray();
        var gotTrunk = got(trunkParams, all);
        var gotHeads = got(headParams, all);
        for (int k = 0; k < expectedTrunk.Length; k++)
        {
            Assert.Equal(expectedTrunk[k], gotTrunk[k], 1e-5f + (1e-4f * Math.Abs(expectedTrunk[k])));
        }

        for (int k = 0; k < expectedHeads.Length; k++)
        {
            Assert.Equal(expectedHeads[k], gotHeads[k], 1e-5f + (1e-4f * Math.Abs(expectedHeads[k])));
        }

        // Not the plain mean: MGDA's weights differ from 1/3 here.
        Assert.True(w.Max() - w.Min() > 0.01, string.Join(", ", w));
    }

    private static int IndexOf(IReadOnlyList<Parameter> own, IReadOnlyList<Parameter> reference, Parameter p)
    {
        for (int i = 0; i < reference.Count; i++)
        {
            if (ReferenceEquals(reference[i], p))
            {
                Assert.Equal(reference[i].Length, own[i].Length);
                return i;
            }
        }

        throw new InvalidOperationException("parameter not found");
    }

    [Fact]
    public void TheAggregatorSeesOneGradientRowPerExampleOfTheRepresentationsWidth()
    {
        var probe = new ProbeAggregator();
        var (trainer, all, batch) = Setup(SharedBottom(), probe, GradientSpace.Representation);
        AppliedGradient(trainer, all, batch);
        Assert.Equal(3, probe.Rows);
        Assert.Equal(16 * 6, probe.Columns);
        Assert.Equal(6, probe.SampleWidth);
    }

    [Fact]
    public void ModelsWithoutOneSharedRepresentationAreRefusedWithTheReason()
    {
        var tasks = Tasks();
        var data = new SharedRowsTrainingData(tasks, 16, new Rng(3));
        TrainerOptions Options(RoutedModel m, IGradientAggregator? a) => new()
        {
            TotalSteps = 1,
            Optimizers = [new Sgd(m.Module.Parameters(), 0.1f)],
            Sampler = new AllTasksSampler(3),
            Aggregator = a,
            GradientSpace = GradientSpace.Representation,
            Noise = new Rng(1),
        };
        var gumbel = SharedBottom(new GumbelMatrixRouter(3, 1, 0.5f));
        var ex = Assert.Throws<ArgumentException>(() => new Trainer(gumbel, data, new SplitEvaluator(tasks, 1), Options(gumbel, new MgdaAggregator())));
        Assert.Contains("learns its allocation", ex.Message, StringComparison.Ordinal);
        var plain = SharedBottom();
        ex = Assert.Throws<ArgumentException>(() => new Trainer(plain, data, new SplitEvaluator(tasks, 1), Options(plain, null)));
        Assert.Contains("choose a gradient aggregator", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TasksWithTheirOwnBatchesAreRefusedAtTheStep()
    {
        var tasks = Tasks();
        var model = SharedBottom();
        var split = new SplitTrainingData(tasks, 16, [new Rng(1), new Rng(2), new Rng(3)]);
        var options = new TrainerOptions
        {
            TotalSteps = 1,
            Optimizers = [new Sgd(model.Module.Parameters(), 0.1f)],
            Sampler = new AllTasksSampler(3),
            Aggregator = new MgdaAggregator(),
            GradientSpace = GradientSpace.Representation,
            Noise = new Rng(1),
        };
        var trainer = new Trainer(model, split, new SplitEvaluator(tasks, 1), options);
        var ex = Assert.Throws<ArgumentException>(() => trainer.Update(split.Next([0, 1, 2]), 0));
        Assert.Contains("same inputs", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mgda")]
    [InlineData("great")]
    [InlineData("pcgrad")]
    public void AConfiguredSharedBottomRunTrainsOnRepresentationGradients(string aggregator)
    {
        using var files = new ConfigFiles();
        files.Table(rows: 80);
        string path = files.Write("c.json", ConfigFiles.Config($$"""
            , "strategy": { "sampler": "all", "aggregator": "{{aggregator}}", "gradients": "representation" }
            """));
        var config = ConfigDocument.Load(path).Resolve("shared", null, files.Dir);
        Assert.Equal(GradientSpace.Representation, config.Strategy.Gradients);
        var plan = ConfigRunBuilder.Build(config, 0);
        Assert.Equal(GradientSpace.Representation, plan.Options.GradientSpace);
        var report = ExperimentRunner.Run(plan, new RunOptions());
        Assert.True(report.Updates > 0);
        Assert.All(report.Tasks, t => Assert.True(double.IsFinite(t.Test)));
        Assert.Equal("representation", report.Environment["gradients"]);

        // The learned router has no shared representation: the configuration's error says so.
        var gumbel = ConfigDocument.Load(path).Resolve("gumbel", null, files.Dir);
        var ex = Assert.ThrowsAny<ArgumentException>(() => ConfigRunBuilder.Build(gumbel, 0));
        Assert.Contains("learns its allocation", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RepresentationGradientsWithoutAnAggregatorAreAConfigurationError()
    {
        using var files = new ConfigFiles();
        files.Table();
        string path = files.Write("c.json", ConfigFiles.Config("""
            ,
              "strategy": { "sampler": "all", "gradients": "representation" }
            """));
        var ex = Assert.ThrowsAny<Exception>(() => ConfigDocument.Load(path).Resolve("shared", null, files.Dir));
        Assert.Matches(@"c\.json \(method '[a-z-]+'\):\d+: strategy\.gradients: ", ex.Message);
        Assert.Contains("strategy.gradients", ex.Message, StringComparison.Ordinal);
    }

    private sealed class ProbeAggregator : IGradientAggregator
    {
        public int Rows { get; private set; }

        public int Columns { get; private set; }

        public int SampleWidth { get; private set; }

        public string Name => "probe";

        public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
        {
            Rows = gradients.Rows;
            Columns = gradients.Columns;
            SampleWidth = gradients.SampleWidth;
            destination.Clear();
            return new double[gradients.Rows];
        }
    }
}
