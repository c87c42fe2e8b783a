using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Experts;

/// <summary>AdaShare: learned select-or-skip policies over shared residual blocks.</summary>
public sealed class AdaShareNetworkTests
{
    private static readonly TaskTargets Dummy = new(new int[1], null);

    private static MultiTaskBatch Batch(Tensor x, int tasks) =>
        new(Enumerable.Range(0, tasks).Select(t => new TaskBatch(t, new TensorInput(x), Dummy)).ToArray());

    [Fact]
    public void GradientsMatchFiniteDifferencesIncludingThePolicyLogits()
    {
        var options = new AdaShareOptions { WarmupSteps = 0, CurriculumSteps = 1, Temperature = 2f };
        var network = new AdaShareNetwork(3, 4, 2, options, [2], [2, 1], new Rng(11));
        var rng = new Rng(12);
        foreach (var (_, p) in network.NamedParameters().Where(p => p.Name.Contains('b', StringComparison.Ordinal) || p.Name.StartsWith("policy", StringComparison.Ordinal)))
        {
            Tensor.Uniform(p.Shape, -0.3f, 0.3f, rng).Span.CopyTo(p.Data);
        }

        var model = new ExpertModel(network, ["a", "b"]);
        var batch = Batch(Tensor.Uniform(new Shape(4, 3), -1, 1, new Rng(13)), 2);
        Assert.Equal(2, network.LearnedBlocks(5));
        var parameters = network.Parameters().Select(p => p.Value).ToArray();
        // A fresh stream per call: every evaluation of the function draws the same Gumbel noise.
        GradCheck.Check("adashare", _ => Ops.Concat([.. model.Forward(batch, new ForwardContext(5, true, new Rng(0), 1f))], 1), parameters, 14, eps: 1e-3f);
    }

    [Fact]
    public void TheWarmUpExecutesEveryBlockAndTheCurriculumOpensThemFromTheTop()
    {
        var options = new AdaShareOptions { WarmupSteps = 10, CurriculumSteps = 5, Temperature = 4f, Decay = 0.5f, DecaySteps = 2, MinimumTemperature = 0.3f };
        var network = new AdaShareNetwork(3, 4, 3, options, [], [2, 2], new Rng(21));
        Assert.Equal([0, 0, 1, 1, 2, 3, 3], new long[] { 0, 9, 10, 14, 15, 20, 100 }.Select(network.LearnedBlocks));
        Assert.Equal([4f, 4f, 2f, 1f, 0.3f], new long[] { 0, 11, 12, 14, 100 }.Select(network.TemperatureAt));

        // In the warm-up a training pass executes every block, as the evaluation policy of zero logits (select ≥ skip) does.
        var x = Tensor.Uniform(new Shape(5, 3), -1, 1, new Rng(22));
        var model = new ExpertModel(network, ["a", "b"]);
        var training = model.Forward(Batch(x, 2), new ForwardContext(3, true, new Rng(1), 1f));
        var evaluation = network.Forward(x, [0, 1]);
        Assert.All(network.FixedPolicy(), row => Assert.All(row, Assert.True));
        for (int t = 0; t < 2; t++)
        {
            Assert.Equal(evaluation[t].Span.ToArray(), training[t].Span.ToArray());
        }
    }

    [Fact]
    public void TheEvaluationPolicySkipsBlocksWhoseSkipLogitIsLarger()
    {
        var network = new AdaShareNetwork(3, 4, 2, new AdaShareOptions(), [], [2, 2], new Rng(31));
        float[] skipAll = [0, 1, 0, 1];
        skipAll.CopyTo(network.Policy(1).Data);
        var named = network.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value);
        var x = Tensor.Uniform(new Shape(3, 3), -1, 1, new Rng(32));
        var encoded = Ops.Relu(Ops.Linear(x, named["encoder_weight"], named["encoder_bias"]));
        TensorAssert.Close(Ops.Linear(encoded, named["towers.weight1"], named["towers.bias1"]).Span, network.Forward(x, 1).Span, 1e-6, 1e-6, "task 1 skips both blocks");
        var h = encoded;
        for (int l = 0; l < 2; l++)
        {
            h = Ops.Relu(Ops.Add(h, Ops.Linear(Ops.Relu(Ops.Linear(h, named[$"block{l}_w1"], named[$"block{l}_b1"])), named[$"block{l}_w2"], named[$"block{l}_b2"])));
        }

        TensorAssert.Close(Ops.Linear(h, named["towers.weight0"], named["towers.bias0"]).Span, network.Forward(x, 0).Span, 1e-6, 1e-6, "task 0 executes both");
        Assert.Equal(new[] { new[] { true, true }, new[] { false, false } }, network.FixedPolicy());
        Assert.Equal(1 / (1 + Math.E), network.SelectProbabilities()[1][0], 1e-9);
    }

    [Fact]
    public void AtALowTemperatureTheSampledPolicyIsTheHardOne()
    {
        var options = new AdaShareOptions { WarmupSteps = 0, CurriculumSteps = 1, Temperature = 0.1f, MinimumTemperature = 0.1f };
        var network = new AdaShareNetwork(3, 4, 2, options, [], [2, 2], new Rng(41));
        float[] policy = [40, -40, -40, 40];   // task 0: execute block 0, skip block 1 — no Gumbel draw can overturn a gap of 80
        policy.CopyTo(network.Policy(0).Data);
        var x = Tensor.Uniform(new Shape(3, 3), -1, 1, new Rng(42));
        var sampled = network.Forward(x, [0], null, new ForwardContext(10, true, new Rng(43), 1f))[0];
        TensorAssert.Close(network.Forward(x, 0).Span, sampled.Span, 1e-6, 1e-6, "sampled = fixed");
    }

    [Fact]
    public void TheRegularisersMatchAHandComputation()
    {
        var options = new AdaShareOptions { WarmupSteps = 0, CurriculumSteps = 10, Sparsity = 0.5f, Sharing = 0.25f };
        var network = new AdaShareNetwork(3, 4, 3, options, [], [2, 2], new Rng(51));
        float[][] logits = [[0.2f, -0.1f, 0.5f, 0.3f, -0.4f, 0.6f], [0.1f, 0.1f, -0.2f, 0.4f, 0.7f, -0.3f]];
        for (int t = 0; t < 2; t++)
        {
            logits[t].CopyTo(network.Policy(t).Data);
        }

        var batch = Batch(Tensor.Zeros(1, 3), 2);
        var regularizer = new ExpertModel(network, ["a", "b"]).Regularizers.Single();
        Assert.Null(regularizer.Compute(batch, new ForwardContext(5, false, new Rng(0), 1f)));   // evaluation
        double Expected(int learned)
        {
            double sparsity = 0;
            for (int t = 0; t < 2; t++)
            {
                for (int l = 3 - learned; l < 3; l++)
                {
                    double sel = logits[t][2 * l], skip = logits[t][(2 * l) + 1];
                    double ce = -(skip - Math.Log(Math.Exp(sel) + Math.Exp(skip)));
                    sparsity += 2.0 * (l + 1) / 3 * ce;
                }
            }

            double sharing = 0;
            for (int l = 0; l < 3; l++)
            {
                sharing += (3.0 - l) / 3 * Math.Abs(logits[0][2 * l] - logits[1][2 * l]);
            }

            return (0.5 * sparsity / (2 * learned)) + (0.25 * sharing);
        }

        Assert.Equal(Expected(1), regularizer.Compute(batch, new ForwardContext(5, true, new Rng(0), 1f))!.Item(), 1e-5);   // top block only
        Assert.Equal(Expected(3), regularizer.Compute(batch, new ForwardContext(25, true, new Rng(0), 1f))!.Item(), 1e-5);
    }

    [Fact]
    public void TensorBoardScalarsSkipTheReportOnlyFixedPolicyMatrix()
    {
        // GateMatrices has the fixed policy after the statistics' one matrix: SharingScalars (TensorBoard) read past them.
        var model = new ExpertModel(new AdaShareNetwork(3, 4, 2, new AdaShareOptions(), [], [2, 2], new Rng(91)), ["a", "b"]);
        Assert.Equal(2, model.GateMatrices(model.Network.CreateGateStatistics()).Count);
        Assert.Empty(model.SharingScalars());   // nothing trained yet: no rows, and no exception
    }
}
