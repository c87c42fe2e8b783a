using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;
using static MtlSharp.Tensors.Tests.PointwiseTestData;

namespace MtlSharp.Tensors.Tests;

/// <summary>Unary, scalar and activation ops.</summary>
public sealed class UnaryOpsTests
{
    [Fact]
    public void ForwardValues()
    {
        var x = Tensor.FromArray([-2, -0.5f, 0, 1, 4], 5);
        TensorAssert.Close([MathF.Exp(-2), MathF.Exp(-0.5f), 1, MathF.E, MathF.Exp(4)], Ops.Exp(x).Span, what: "Exp");
        TensorAssert.Close([MathF.Sqrt(2), MathF.Sqrt(0.5f), 0, 1, 2], Ops.Sqrt(Ops.Abs(x)).Span, atol: 1e-6, what: "Sqrt|x|");
        Assert.Equal([4f, 0.25f, 0, 1, 16], Ops.Square(x).ToArray());
        Assert.Equal([2f, 0.5f, 0, 1, 4], Ops.Abs(x).ToArray());
        Assert.Equal([0f, 0, 0, 1, 4], Ops.Relu(x).ToArray());
        TensorAssert.Close([MathF.Tanh(-2), MathF.Tanh(-0.5f), 0, MathF.Tanh(1), MathF.Tanh(4)], Ops.Tanh(x).Span, what: "Tanh");
        TensorAssert.Close([1 / (1 + MathF.Exp(2)), 1 / (1 + MathF.Exp(0.5f)), 0.5f, 1 / (1 + MathF.Exp(-1)), 1 / (1 + MathF.Exp(-4))], Ops.Sigmoid(x).Span, what: "Sigmoid");
        TensorAssert.Close([0f, 0, 1], Ops.Log(Tensor.FromArray([1, 1, MathF.E], 3)).Span, atol: 1e-6, what: "Log");
        Assert.Equal([0f, 1.5f, 2, 3, 6], Ops.AddScalar(x, 2).ToArray());
        Assert.Equal([-6f, -1.5f, 0, 3, 12], Ops.Scale(x, 3).ToArray());
        Assert.Equal([2f, 0.5f, 0, -1, -4], Ops.Neg(x).ToArray());
        TensorAssert.Close([-8f, -0.125f, 0, 1, 64], Ops.Pow(x, 3).Span, what: "Pow3");
        Assert.Equal([4f, 0.25f, 0, 1, 16], Ops.Pow(x, 2).ToArray());
        TensorAssert.Close([1f, 2], Ops.Pow(Tensor.FromArray([1, 4], 2), 0.5f).Span, what: "Pow0.5");
    }

    [Fact]
    public void SigmoidIsFiniteForLargeInputs()
    {
        var y = Ops.Sigmoid(Tensor.FromArray([-1000, 1000], 2));
        Assert.Equal([0f, 1f], y.ToArray());
    }

    [Fact]
    public void SoftplusMatchesPyTorchIncludingItsGradientAtZero()
    {
        var f = Fixtures.Load("pointwise/softplus.json");
        var x = Fixtures.ToTensor(f.GetProperty("x"), requiresGrad: true);
        float[] gy = Fixtures.Floats(f.GetProperty("gy"));
        var y = Ops.Softplus(x);
        TensorAssert.Close(Fixtures.Floats(f.GetProperty("softplus")), y.Span, atol: 1e-6, rtol: 1e-5, what: "softplus");
        Autograd.Backward(y, gy);
        TensorAssert.Close(Fixtures.Floats(f.GetProperty("softplus_grad")), x.Grad!.Span, atol: 1e-6, rtol: 1e-5, what: "softplus grad");
        Assert.Equal(gy[0] / 2, x.Grad!.Span[0], 6);
    }

    public static TheoryData<string> UnaryNames() => ["Exp", "Log", "Sqrt", "Square", "Abs", "Relu", "Tanh", "Sigmoid", "Softplus", "AddScalar", "Scale", "Neg", "Pow3", "Pow2", "Pow1", "Pow-1.5"];

    private static Tensor ApplyUnary(string name, Tensor x) => name switch
    {
        "Exp" => Ops.Exp(x),
        "Log" => Ops.Log(x),
        "Sqrt" => Ops.Sqrt(x),
        "Square" => Ops.Square(x),
        "Abs" => Ops.Abs(x),
        "Relu" => Ops.Relu(x),
        "Tanh" => Ops.Tanh(x),
        "Sigmoid" => Ops.Sigmoid(x),
        "Softplus" => Ops.Softplus(x),
        "AddScalar" => Ops.AddScalar(x, 1.5f),
        "Scale" => Ops.Scale(x, -2.5f),
        "Neg" => Ops.Neg(x),
        "Pow3" => Ops.Pow(x, 3f),
        "Pow2" => Ops.Pow(x, 2f),
        "Pow1" => Ops.Pow(x, 1f),
        "Pow-1.5" => Ops.Pow(x, -1.5f),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void GradCheckUnary(string name)
    {
        // Positive domain for Log/Sqrt/Pow with fractional exponent; otherwise both signs but away from the kinks.
        bool positive = name is "Log" or "Sqrt" or "Pow-1.5";
        var x = positive ? Rand(3, 0.5f, 2f, [3, 7]) : RandAwayFromZero(3, 0.2f, 1.5f, [3, 7]);
        GradCheck.Check(name, t => ApplyUnary(name, t[0]), [x], eps: 1e-3f, rtol: 1e-2);
    }

    [Fact]
    public void AbsAndReluHaveZeroGradientAtZero()
    {
        var x = Param([0f, 0f], 2);
        Autograd.Backward(Ops.Sum(Ops.Add(Ops.Abs(x), Ops.Relu(x))));
        Assert.Equal([0f, 0f], x.Grad!.ToArray());
    }

    [Fact]
    public void NodeNamesAreTheOpNames()
    {
        var x = Param([1f, 2f], 2);
        Assert.Contains("Tanh", Ops.Tanh(x).ToString());
        Assert.Contains("Pow", Ops.Pow(x, 3).ToString());
        Assert.Contains("Add", Ops.Add(x, x).ToString());
    }

    [Fact]
    public void LargeTensorsMatchElementwiseValuesAndGradients()
    {
        // 100000 elements: above the parallel threshold, both forward and backward are split.
        var x = Rand(9, -3f, 3f, [100, 1000]);
        var y = Ops.Tanh(x);
        var g = new float[x.Length];
        for (int i = 0; i < g.Length; i++)
        {
            g[i] = (i % 7) - 3;
        }

        Autograd.Backward(y, g);
        ReadOnlySpan<float> xs = x.Span, ys = y.Span, gx = x.Grad!.Span;
        for (int i = 0; i < xs.Length; i++)
        {
            Assert.Equal(MathF.Tanh(xs[i]), ys[i], 1e-6f);
            Assert.Equal(g[i] * (1 - (ys[i] * ys[i])), gx[i], 1e-5f);
        }
    }
}
