using System.Text.Json;
using MtlSharp.NN.Checkpoints;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.NN.Tests;

public sealed class OptimizerTests
{
    private static readonly JsonElement Fx = Fixtures.Load("nn/optim.json");

    private static Parameter[] FreshParams() =>
        Fx.GetProperty("init").EnumerateArray().Select((e, i) => new Parameter($"p{i}", Fixtures.ToTensor(e))).ToArray();

    private static void SetGrads(Parameter[] ps, int step)
    {
        var grads = Fx.GetProperty("grads")[step].EnumerateArray().ToArray();
        for (int i = 0; i < ps.Length; i++)
        {
            Fixtures.Floats(grads[i]).CopyTo(ps[i].Grad);
        }
    }

    private static IOptimizer Make(string name, Parameter[] ps, bool packed)
    {
        ParameterGroup G(params Parameter[] xs)
        {
            var g = new ParameterGroup(xs);
            if (packed)
            {
                g.Pack();
            }

            return g;
        }

        return name switch
        {
            "adam" => new Adam([new OptimizerGroup(G(ps[0], ps[1]), 0.01f, 0.1f), new OptimizerGroup(G(ps[2]), 0.05f)], 0.9f, 0.999f, 1e-8f),
            "adamw" => new AdamW([new OptimizerGroup(G(ps), 0.02f, 0.05f)], 0.8f, 0.99f, 1e-6f),
            "sgd_momentum" => new Sgd([new OptimizerGroup(G(ps), 0.1f, 0.01f)], momentum: 0.9f),
            "sgd_nesterov" => new Sgd([new OptimizerGroup(G(ps), 0.1f)], momentum: 0.9f, nesterov: true),
            "sgd_dampening" => new Sgd([new OptimizerGroup(G(ps), 0.05f)], momentum: 0.5f, dampening: 0.3f),
            _ => throw new ArgumentException(name),
        };
    }

    private static void AssertStep(string name, Parameter[] ps, int step)
    {
        var expected = Fx.GetProperty("cases").GetProperty(name)[step].EnumerateArray().ToArray();
        for (int i = 0; i < ps.Length; i++)
        {
            TensorAssert.Close(Fixtures.Floats(expected[i]), ps[i].Data, atol: 1e-7, rtol: 1e-6, what: $"{name} step {step + 1} param {i}");
        }
    }

    [Theory]
    [InlineData("adam", false)]
    [InlineData("adam", true)]
    [InlineData("adamw", false)]
    [InlineData("adamw", true)]
    [InlineData("sgd_momentum", false)]
    [InlineData("sgd_momentum", true)]
    [InlineData("sgd_nesterov", false)]
    [InlineData("sgd_dampening", false)]
    public void TwoSteps_MatchPyTorch(string name, bool packed)
    {
        var ps = FreshParams();
        var opt = Make(name, ps, packed);
        for (int step = 0; step < 2; step++)
        {
            opt.ZeroGrad();
            SetGrads(ps, step);
            opt.Step();
            AssertStep(name, ps, step);
        }

        Assert.Equal(2, opt.StepCount);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd_momentum")]
    public void StateRoundTripsThroughACheckpointFile(string name)
    {
        var ps = FreshParams();
        var opt = Make(name, ps, packed: false);
        SetGrads(ps, 0);
        opt.Step();
        string dir = Directory.CreateTempSubdirectory("mtlsharp-optim").FullName;
        try
        {
            string path = Path.Combine(dir, "opt.safetensors");
            Checkpoint.SaveOptimizer(opt, path);

            // A fresh optimizer over copies of the parameters continues exactly where the first left off.
            var ps2 = ps.Select(p => new Parameter(p.Name, p.Value.Clone())).ToArray();
            var opt2 = Make(name, ps2, packed: true);
            Checkpoint.LoadOptimizer(opt2, path);
            Assert.Equal(1, opt2.StepCount);
            opt2.ZeroGrad();
            SetGrads(ps2, 1);
            opt2.Step();
            AssertStep(name, ps2, 1);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ImportState_RejectsMismatchedShapesAndNames()
    {
        var ps = FreshParams();
        var opt = Make("adam", ps, packed: false);
        SetGrads(ps, 0);
        opt.Step();
        var state = opt.ExportState();
        var other = new Adam([new Parameter("p0", Tensor.Zeros(4, 3)), new Parameter("p1", Tensor.Zeros(5)), new Parameter("p2", Tensor.Zeros(2, 9))]);
        var e = Assert.Throws<CheckpointMismatchException>(() => other.ImportState(state));
        Assert.Contains("p0.exp_avg", e.Message);
        Assert.Contains("[4, 3]", e.Message);
        Assert.Contains("[3, 4]", e.Message);
        var renamed = new Adam([new Parameter("q", Tensor.Zeros(3, 4))]);
        Assert.Contains("p0.exp_avg", Assert.Throws<CheckpointMismatchException>(() => renamed.ImportState(state)).Message);
        var sgd = new Sgd(ps, 0.1f, momentum: 0.9f);
        Assert.Throws<CheckpointMismatchException>(() => sgd.ImportState(state));
    }

    [Fact]
    public void HandComputed_AdamFirstStepIsLrTimesSign_SgdMomentum()
    {
        var p = new Parameter("p", Tensor.FromArray([1f, -2f], 2));
        var adam = new Adam([p], learningRate: 0.1f);
        p.Grad[0] = 0.5f;
        p.Grad[1] = -3f;
        adam.Step();
        // m = 0.1 g, v = 0.001 g², m̂ = g, v̂ = g² → p − 0.1·g/(|g| + 1e-8).
        Assert.Equal(0.9f, p.Data[0], 6);
        Assert.Equal(-1.9f, p.Data[1], 6);

        var q = new Parameter("q", Tensor.FromArray([1f], 1));
        var sgd = new Sgd([q], 0.1f, momentum: 0.9f);
        q.Grad[0] = 0.5f;
        sgd.Step();                       // buf = 0.5, q = 0.95
        Assert.Equal(0.95f, q.Data[0], 6);
        sgd.Step();                       // buf = 0.9·0.5 + 0.5 = 0.95, q = 0.95 − 0.095
        Assert.Equal(0.855f, q.Data[0], 6);

        var r = new Parameter("r", Tensor.FromArray([2f], 1));
        var adamw = new AdamW([r], learningRate: 0.1f, weightDecay: 0.5f);
        r.Grad[0] = 1f;
        adamw.Step();                     // r·(1 − 0.05) − 0.1
        Assert.Equal((2f * 0.95f) - 0.1f, r.Data[0], 5);
    }

    [Fact]
    public void ParametersWithoutGradient_AreSkipped()
    {
        var a = new Parameter("a", Tensor.FromArray([1f], 1));
        var b = new Parameter("b", Tensor.FromArray([1f], 1));
        var opt = new Adam([a, b], learningRate: 0.1f);
        a.Grad[0] = 1f;
        opt.Step();
        Assert.Equal(0.9f, a.Data[0], 6);
        Assert.Equal(1f, b.Data[0]);
        Assert.False(b.HasGrad);
        Assert.DoesNotContain(opt.ExportState().Tensors, t => t.Name.StartsWith("b.", StringComparison.Ordinal));
    }
}
