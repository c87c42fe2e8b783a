using MtlSharp.Tensors;

namespace MtlSharp.NN.Tests;

public sealed class LossGuardTests
{
    [Fact]
    public void NaNAndInf_Throw_NamingStepAndTask()
    {
        Assert.Equal(1.5f, LossGuard.Check(1.5f, 3));
        var e = Assert.Throws<NonFiniteLossException>(() => LossGuard.Check(float.NaN, 17, task: 2));
        Assert.Equal(17, e.Step);
        Assert.Equal(2, e.Task);
        Assert.Contains("step 17", e.Message);
        Assert.Contains("task 2", e.Message);
        Assert.Contains("NaN", e.Message);
        var inf = Assert.Throws<NonFiniteLossException>(() => LossGuard.Check(Tensor.Scalar(float.PositiveInfinity), 5, lossName: "ce"));
        Assert.Null(inf.Task);
        Assert.Contains("'ce'", inf.Message);
        Assert.Equal(1, Assert.Throws<NonFiniteLossException>(() => LossGuard.CheckAll([1f, float.NegativeInfinity], 9)).Task);
        Assert.Equal(3f, LossGuard.CheckAll([1f, 2f], 9));
    }

    [Fact]
    public void Losses_Facade()
    {
        var logits = Tensor.FromArray([2f, 0f, 0f, 2f], 2, 2);
        float ce = Losses.CrossEntropy(logits, [0, 1]).Item();
        Assert.Equal(Math.Log(1 + Math.Exp(-2)), ce, 5);
        Assert.Equal(2.5f, Losses.MeanSquaredError(Tensor.FromArray([1f, 2f], 2), Tensor.FromArray([0f, 4f], 2)).Item(), 6);
    }
}
