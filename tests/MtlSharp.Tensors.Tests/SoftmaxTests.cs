using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;
using static MtlSharp.Tensors.Tests.PointwiseTestData;

namespace MtlSharp.Tensors.Tests;

public sealed class SoftmaxTests
{
    [Fact]
    public void ForwardValuesLastAxis()
    {
        var x = Tensor.FromArray([0, MathF.Log(3), 1, 1], 2, 2);
        TensorAssert.Close([0.25f, 0.75f, 0.5f, 0.5f], Ops.Softmax(x).Span, atol: 1e-6, what: "Softmax");
        TensorAssert.Close([MathF.Log(0.25f), MathF.Log(0.75f), MathF.Log(0.5f), MathF.Log(0.5f)], Ops.LogSoftmax(x).Span, atol: 1e-6, what: "LogSoftmax");
    }

    [Fact]
    public void ForwardValuesFirstAxis()
    {
        // Along axis 0 of [2, 2]: columns are normalised.
        var x = Tensor.FromArray([0, 1, MathF.Log(3), 1], 2, 2);
        TensorAssert.Close([0.25f, 0.5f, 0.75f, 0.5f], Ops.Softmax(x, 0).Span, atol: 1e-6, what: "Softmax axis 0");
    }

    [Fact]
    public void StableForLargeLogits()
    {
        var x = Tensor.FromArray([1e4f, 1e4f - 1, -1e4f, 1e4f, 1e4f, 1e4f], 2, 3);
        var y = Ops.Softmax(x);
        var ly = Ops.LogSoftmax(x);
        float e = MathF.Exp(-1);
        TensorAssert.Close([1 / (1 + e), e / (1 + e), 0, 1f / 3, 1f / 3, 1f / 3], y.Span, atol: 1e-6, what: "Softmax 1e4");
        TensorAssert.Close([-MathF.Log(1 + e), -1 - MathF.Log(1 + e), -2e4f - MathF.Log(1 + e), -MathF.Log(3), -MathF.Log(3), -MathF.Log(3)], ly.Span, atol: 1e-3, rtol: 1e-6, what: "LogSoftmax 1e4");
        var ys = Ops.Softmax(x, 0);
        Assert.All(ys.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void GradCheckAlongEveryAxis(int axis)
    {
        var x = Rand(21, -2f, 2f, [2, 3, 4]);
        GradCheck.Check($"Softmax axis {axis}", t => Ops.Softmax(t[0], axis), [x], eps: 1e-3f, rtol: 1e-2);
        GradCheck.Check($"LogSoftmax axis {axis}", t => Ops.LogSoftmax(t[0], axis), [x], eps: 1e-3f, rtol: 1e-2);
    }

    [Fact]
    public void WideTrailingBlockUsesRentedTemporaries()
    {
        // axis 0 of [3, 700]: inner = 700 > the stack limit for two temporaries.
        var x = Rand(4, -2f, 2f, [3, 700]);
        var y = Ops.Softmax(x, 0);
        for (int j = 0; j < 700; j += 37)
        {
            Assert.Equal(1f, y[0, j] + y[1, j] + y[2, j], 1e-5f);
        }

        GradCheck.Check("LogSoftmax wide axis 0", t => Ops.LogSoftmax(t[0], 0), [x], eps: 1e-3f, rtol: 1e-2, maxElementsPerInput: 60);
    }

    [Theory]
    [InlineData("softmax")]
    [InlineData("log_softmax")]
    public void MatchesPyTorchAlongAxis1Of3D(string which)
    {
        var f = Fixtures.Load("pointwise/softmax_axis1.json");
        var x = Fixtures.ToTensor(f.GetProperty("x"), requiresGrad: true);
        float[] gy = Fixtures.Floats(f.GetProperty("gy"));
        var y = which == "softmax" ? Ops.Softmax(x, 1) : Ops.LogSoftmax(x, 1);
        TensorAssert.Close(Fixtures.Floats(f.GetProperty(which)), y.Span, atol: 1e-6, rtol: 1e-5, what: which);
        Autograd.Backward(y, gy);
        TensorAssert.Close(Fixtures.Floats(f.GetProperty(which + "_grad")), x.Grad!.Span, atol: 1e-6, rtol: 1e-5, what: which + " grad");
    }
}
