using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Tests.Configuration;

public sealed class CsvTasksTests
{
    private static RunConfig Resolve(ConfigFiles f, string text, string method = "shared") =>
        ConfigDocument.Parse(text, Path.Combine(f.Dir, "c.json")).Resolve(method, null, f.Dir);

    [Fact]
    public void MissingLabelsBecomeMasksAndInputsAreStandardisedOnTheTrainingRowsOnly()
    {
        using var f = new ConfigFiles();
        f.Table();
        var c = Resolve(f, ConfigFiles.Config());
        var set = CsvTaskSet.Load((CsvSource)c.Data, c.Tasks);
        var (train, _, _) = MtlSharp.Data.Tabular.TabularSplit.ByFraction(40, 0.25, 0.25, 1);
        double[] xs = train.Select(r => (double)((r % 10) - 4.5)).ToArray();
        var x = set.Encoder.Features[0];
        Assert.Equal("x", x.Column);
        Assert.Equal(xs.Average(), x.Mean, 12);
        Assert.Equal(Math.Sqrt(xs.Select(v => (v - xs.Average()) * (v - xs.Average())).Average()), x.Std, 12);

        var reg = set.Tasks[1];
        Assert.NotNull(reg.Train.Mask);
        for (int i = 0; i < train.Length; i++)
        {
            Assert.Equal(train[i] < 16 ? 0f : 1f, reg.Train.Mask![i]);
        }

        Assert.Null(set.Tasks[0].Train.Mask);                      // every row has a class label
        Assert.Same(set.Tasks[0].Train.Inputs, reg.Train.Inputs);   // one table, one input array
        Assert.Equal(2, set.Tasks[0].Outputs);
    }

    [Fact]
    public void ATaskWithNoLabelInABatchContributesNothingAndNoNaN()
    {
        using var f = new ConfigFiles();
        f.Table();
        var plan = ConfigRunBuilder.Build(Resolve(f, ConfigFiles.Config()), seed: 3);
        var trainer = plan.CreateTrainer([]);
        var input = new TensorInput(Tensor.FromArray([0.5f, 1f, 0f, -0.3f, 0f, 1f], 2, 3));
        var cls = new TaskTargets([1, 0], null);
        var noReg = new TaskTargets(null, [float.NaN, float.NaN], [0f, 0f]);
        var ctx = new ForwardContext(0, true, new Rng(7), 1f);
        float both = trainer.Objective(new MultiTaskBatch([new TaskBatch(0, input, cls), new TaskBatch(1, input, noReg)]), ctx)!.Item();
        float only = trainer.Objective(new MultiTaskBatch([new TaskBatch(0, input, cls)]), new ForwardContext(0, true, new Rng(7), 1f))!.Item();
        Assert.True(float.IsFinite(both));
        Assert.Equal(only, both);
        Assert.Null(TaskLoss.Compute(plan.Data.Tasks[1], Tensor.Zeros(2, 1), noReg));

        // Gradients: the regression head gets exactly zero, the classification head does not.
        var module = plan.Model.Module;
        module.ZeroGrad();

        var loss = trainer.Objective(new MultiTaskBatch([new TaskBatch(0, input, cls), new TaskBatch(1, input, noReg)]), ctx)!;
        Autograd.Backward(loss);
        var heads = module.NamedParameters().Where(p => p.Name.Contains("heads", StringComparison.Ordinal)).ToArray();
        Assert.All(heads.Where(h => h.Name.EndsWith('1')), h => Assert.True(h.Parameter.Value.Grad is null || h.Parameter.Value.Grad.ToArray().All(g => g == 0f)));
        Assert.Contains(heads.Where(h => h.Name.EndsWith('0')), h => h.Parameter.Value.Grad is { } g && g.ToArray().Any(v => v != 0f));
        Assert.All(module.Parameters(), p => Assert.True(p.Value.Grad is null || p.Value.Grad.ToArray().All(float.IsFinite)));
    }

    [Fact]
    public void MetricsSkipUnlabelledRowsAndReportRegressionInOriginalUnits()
    {
        using var f = new ConfigFiles();
        f.Table();
        var c = Resolve(f, ConfigFiles.Config());
        var set = CsvTaskSet.Load((CsvSource)c.Data, c.Tasks);
        var reg = set.Tasks[1];
        var plan = ConfigRunBuilder.Build(c, seed: 0);
        var evaluator = (MtlSharp.MultiTask.Evaluation.SplitEvaluator)plan.Evaluator;
        double rmse = evaluator.Evaluate(plan.Model, 1, evaluator.Splits[1].Test);

        // By hand: predictions of the same model on the labelled test rows, de-standardised.
        var test = evaluator.Splits[1].Test;
        var labelled = Enumerable.Range(0, test.Count).Where(test.IsLabelled).ToArray();
        Assert.NotEmpty(labelled);
        Assert.True(labelled.Length < test.Count);
        plan.Model.Module.Eval();
        using var ng = Autograd.NoGrad();
        double sum = 0;
        foreach (int r in labelled)
        {
            var batch = new MultiTaskBatch([new TaskBatch(1, new TensorInput(test.InputsRange(r, 1)), new TaskTargets(null, [0f]))]);
            float p = plan.Model.Forward(batch, new ForwardContext(0, false, new Rng(1), 1f))[0].Span[0];
            double d = (p - test.Targets![r]) * evaluator.Splits[1].TargetScale;
            sum += d * d;
        }

        Assert.Equal(Math.Sqrt(sum / labelled.Length), rmse, 5);
        Assert.True(reg.TargetScale > 1);   // z spans about ±8: its deviation is not 1
    }

    [Fact]
    public void FileSplitsEncodeUnseenCategoricalLevelsAsZerosAndRejectUnseenLabels()
    {
        using var f = new ConfigFiles();
        f.Table();
        f.Write("test.csv", "x,c,y,z\n1.5,zz,p,3\n-2,a,q,\n");
        string data = """{ "type": "csv", "path": "t.csv", "split": { "test": "test.csv" } }""";
        var c = Resolve(f, ConfigFiles.Config(data: data));
        var set = CsvTaskSet.Load((CsvSource)c.Data, c.Tasks);
        Assert.Equal(40, set.Tasks[0].Train.Count);
        Assert.Equal(2, set.Tasks[0].Test.Count);
        var cFeature = set.Encoder.Features[1];
        Assert.Equal(["a", "b"], cFeature.Levels);
        var test = set.Tasks[0].Test;
        for (int j = 0; j < cFeature.DenseWidth; j++)
        {
            Assert.Equal(0f, test.Inputs[(0 * test.SampleSize) + cFeature.DenseOffset + j]);   // 'zz' was never seen in training
        }

        Assert.Equal(1f, test.Inputs[(1 * test.SampleSize) + cFeature.DenseOffset + 0]);        // 'a'
        Assert.Contains(("unseenLevels", "1"), set.Describe());

        f.Write("test.csv", "x,c,y,z\n1.5,a,r,3\n");
        var e = Assert.Throws<InvalidDataException>(() => CsvTaskSet.Load((CsvSource)c.Data, c.Tasks));
        Assert.Contains("test.csv:2: column 'y': label 'r' does not occur in the training split", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadDataIsRejectedWithFileLineAndColumn()
    {
        using var f = new ConfigFiles();
        f.Write("t.csv", "x,c,y,z\n1,a,p,2\n2,b,q,3\nNaN,a,p,1\n3,a,q,2\n4,b,p,1\n5,a,q,2\n6,b,p,1\n7,a,q,2\n");
        var c = Resolve(f, ConfigFiles.Config(data: """{ "type": "csv", "path": "t.csv", "split": { "test": 0.25, "valid": 0, "seed": 1 } }"""));
        var e = Assert.Throws<InvalidDataException>(() => CsvTaskSet.Load((CsvSource)c.Data, c.Tasks));
        Assert.Contains("t.csv:4: column 'x': NaN in a feature", e.Message, StringComparison.Ordinal);

        f.Table();
        var absent = Resolve(f, ConfigFiles.Config(tasks: """{ "name": "cls", "kind": "classification", "column": "label" }"""));
        e = Assert.Throws<InvalidDataException>(() => CsvTaskSet.Load((CsvSource)absent.Data, absent.Tasks));
        Assert.Contains("no column 'label'; the columns are: x, c, y, z", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmbeddedCategoricalColumnsAreLearnedTables()
    {
        using var f = new ConfigFiles();
        f.Table();
        string data = """{ "type": "csv", "path": "t.csv", "categorical": "embedded", "embeddingSize": 3, "split": { "test": 0.25, "valid": 0.25, "seed": 1 } }""";
        var c = Resolve(f, ConfigFiles.Config(data: data));
        var plan = ConfigRunBuilder.Build(c, seed: 0);
        var input = plan.Model.Module.NamedParameters().Single(p => p.Name.Contains("table0", StringComparison.Ordinal));
        Assert.Equal([3, 3], input.Parameter.Value.Shape.ToArray());   // missing/unseen + a + b, 3 wide
        var report = ExperimentRunner.Run(plan, new RunOptions { TensorBoard = false });
        Assert.All(report.Tasks, t => Assert.True(double.IsFinite(t.Test)));
    }

    [Theory]
    [InlineData("\"weighting\": \"uncertainty\"")]
    [InlineData("\"weighting\": \"dwa\"")]
    [InlineData("\"weighting\": \"gls\"")]
    [InlineData("\"weighting\": \"stch\"")]
    [InlineData("\"weighting\": \"imtl-l\"")]
    [InlineData("\"weighting\": \"rlw\"")]
    [InlineData("\"weighting\": \"dbmtl-log\"")]
    [InlineData("\"aggregator\": \"pcgrad\"")]
    [InlineData("\"aggregator\": \"mgda\"")]
    [InlineData("\"aggregator\": \"cagrad\"")]
    [InlineData("\"aggregator\": \"upgrad\"")]
    [InlineData("\"aggregator\": \"imtlg\"")]
    [InlineData("\"aggregator\": \"alignedmtl\"")]
    [InlineData("\"aggregator\": \"config\"")]
    [InlineData("\"aggregator\": \"graddrop\"")]
    public void EveryStrategyTrainsWithBatchesWhereATaskHasNoLabel(string strategy)
    {
        using var f = new ConfigFiles();
        f.Table(missingBelow: 30);
        var c = Resolve(f, ConfigFiles.Config(extra: $$""", "strategy": { "sampler": "all", {{strategy}} }"""), "gumbel");
        var probe = ConfigRunBuilder.Build(c, seed: 1).Data;   // the same batches the run below trains on
        int unlabelled = Enumerable.Range(0, 15).Count(_ => probe.Next([0, 1]).Parts[1].Targets.Labelled == 0f);
        Assert.True(unlabelled > 0, "no batch without a label for the regression task");
        var report = ExperimentRunner.Run(ConfigRunBuilder.Build(c, seed: 1), new RunOptions { TensorBoard = false });
        Assert.Equal(15, report.Updates);
        Assert.All(report.Tasks, t => Assert.True(double.IsFinite(t.Test), $"{t.Name}: {t.Test}"));
        Assert.All(report.LossCurves, curve => Assert.All(curve.Y, y => Assert.False(double.IsInfinity(y))));
    }

    [Fact]
    public void AMultiLabelTaskWithMissingEntriesTrainsAndIsScored()
    {
        using var f = new ConfigFiles();
        var lines = new List<string> { "x,l1,l2,l3" };
        for (int i = 0; i < 48; i++)
        {
            double x = (i % 12) - 5.5;
            string l3 = i % 5 == 0 ? "" : (x > 2 ? "TRUE" : "FALSE");   // some entries missing
            lines.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{x},{(x > 0 ? 1 : 0)},{(i % 2)},{l3}"));
        }

        f.Write("t.csv", string.Join("\n", lines));
        string tasks = """{ "name": "labels", "kind": "multi-label", "columns": ["l1", "l2", "l3"], "metric": "micro-f1" }""";
        var c = Resolve(f, ConfigFiles.Config(tasks: tasks), "gumbel");
        Assert.Equal(TaskKind.MultiLabel, c.Tasks[0].Kind);
        var plan = ConfigRunBuilder.Build(c, seed: 0);
        Assert.Equal(3, plan.Data.Tasks[0].Outputs);
        var split = ((MtlSharp.MultiTask.Evaluation.SplitEvaluator)plan.Evaluator).Splits[0].Train;
        Assert.Equal(3, split.TargetWidth);
        Assert.Contains(0f, split.Mask!);
        var report = ExperimentRunner.Run(plan, new RunOptions { TensorBoard = false });
        Assert.Equal("micro-f1", report.Tasks[0].Metric);
        Assert.InRange(report.Tasks[0].Test, 0.0, 1.0);
    }

    [Fact]
    public void ATinyConfigurationTrainsDeterministically()
    {
        using var f = new ConfigFiles();
        f.Table();
        var c = Resolve(f, ConfigFiles.Config(), "gumbel");
        var a = ExperimentRunner.Run(ConfigRunBuilder.Build(c, seed: 5), new RunOptions { TensorBoard = false });
        var b = ExperimentRunner.Run(ConfigRunBuilder.Build(c, seed: 5), new RunOptions { TensorBoard = false });
        Assert.Equal(a.Tasks.Select(t => t.Test), b.Tasks.Select(t => t.Test));
        Assert.Equal(["accuracy", "rmse"], a.Tasks.Select(t => t.Metric));
        Assert.Equal(3 * 5, a.Updates);   // 20 training rows, batch 4: 5 steps per epoch, 3 epochs
    }
}
