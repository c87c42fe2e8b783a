using MtlSharp.NN.Optim;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.NN.Tests;

public sealed class ScheduleTests
{
    [Fact]
    public void StepAndCosine_MatchPyTorchSchedulers()
    {
        var fx = Fixtures.Load("nn/schedules.json");
        float baseLr = (float)fx.GetProperty("base").GetDouble();
        var step = new StepSchedule(3, 0.5f);
        var cos = new CosineSchedule(10, 0.001f);
        float[] torchStep = Fixtures.Floats(fx.GetProperty("step_3_0.5"));
        float[] torchCos = Fixtures.Floats(fx.GetProperty("cosine_10_0.001"));
        for (int e = 0; e < torchStep.Length; e++)
        {
            Assert.Equal(torchStep[e], step.At(baseLr, e), 6);
            Assert.Equal(torchCos[e], cos.At(baseLr, e), 6);
        }
    }

    [Fact]
    public void ClosedForms()
    {
        var cos = new CosineSchedule(100, 0.01f);
        Assert.Equal(1f, cos.At(1f, 0));
        Assert.Equal(0.505f, cos.At(1f, 50), 6);
        Assert.Equal(0.01f, cos.At(1f, 100), 6);
        Assert.Equal(0.01 + (0.99 * (1 + Math.Cos(Math.PI * 0.3)) / 2), cos.At(1f, 30), 6);
        var st = new StepSchedule(10, 0.1f);
        Assert.Equal(1f, st.At(1f, 9));
        Assert.Equal(0.1f, st.At(1f, 10), 7);
        Assert.Equal(0.01f, st.At(1f, 25), 7);
        Assert.Equal(0.3f, new ConstantSchedule().At(0.3f, 1000));
    }

    [Fact]
    public void Apply_SetsEachGroupFromItsOwnBaseRate()
    {
        var model = new OptimizerGroup([new Parameter("w", Tensor.Zeros(2))], 1e-3f);
        var router = new OptimizerGroup([new Parameter("r", Tensor.Zeros(2))], 2e-2f);
        var opt = new Adam([model, router]);
        var sched = new StepSchedule(5, 0.5f);
        sched.Apply(opt, 12);
        Assert.Equal(2.5e-4f, model.LearningRate, 9);
        Assert.Equal(5e-3f, router.LearningRate, 9);
        Assert.Equal(1e-3f, model.InitialLearningRate);
    }
}
