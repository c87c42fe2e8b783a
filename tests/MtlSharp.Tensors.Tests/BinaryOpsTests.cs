using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;
using static MtlSharp.Tensors.Tests.PointwiseTestData;

namespace MtlSharp.Tensors.Tests;

public sealed class BinaryOpsTests
{
    private static Tensor Apply(string op, Tensor a, Tensor b) => op switch
    {
        "Add" => Ops.Add(a, b),
        "Sub" => Ops.Sub(a, b),
        "Mul" => Ops.Mul(a, b),
        "Div" => Ops.Div(a, b),
        _ => throw new ArgumentException(op),
    };

    [Fact]
    public void SameShapeForward()
    {
        var a = Tensor.FromArray([1, 2, 3, 4], 2, 2);
        var b = Tensor.FromArray([4, 3, 2, 8], 2, 2);
        Assert.Equal([5f, 5, 5, 12], Ops.Add(a, b).ToArray());
        Assert.Equal([-3f, -1, 1, -4], Ops.Sub(a, b).ToArray());
        Assert.Equal([4f, 6, 6, 32], Ops.Mul(a, b).ToArray());
        Assert.Equal([0.25f, 2f / 3f, 1.5f, 0.5f], Ops.Div(a, b).ToArray());
    }

    [Fact]
    public void BroadcastForwardPatterns()
    {
        var x = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3);

        // bias [C] against [N, C], on either side
        Assert.Equal([11f, 22, 33, 14, 25, 36], Ops.Add(x, Tensor.FromArray([10, 20, 30], 3)).ToArray());
        Assert.Equal([9f, 18, 27, 6, 15, 24], Ops.Sub(Tensor.FromArray([10, 20, 30], 3), x).ToArray());

        // column [N, 1] against [N, M]
        Assert.Equal([2f, 4, 6, 12, 15, 18], Ops.Mul(x, Tensor.FromArray([2, 3], 2, 1)).ToArray());
        Assert.Equal([2f, 1, 2f / 3f, 0.75f, 0.6f, 0.5f], Ops.Div(Tensor.FromArray([2, 3], 2, 1), x).ToArray());

        // scalar, shape [] and [1], on either side
        Assert.Equal([0f, 1, 2, 3, 4, 5], Ops.Sub(x, Tensor.Scalar(1)).ToArray());
        Assert.Equal([9f, 8, 7, 6, 5, 4], Ops.Sub(Tensor.FromArray([10], 1), x).ToArray());
        Assert.Equal(new Shape(2, 3), Ops.Sub(Tensor.FromArray([10], 1), x).Shape);

        // per-channel [C, 1, 1] against [N, C, H, W]: N=1, C=2, H=1, W=2
        var img = Tensor.FromArray([1, 2, 3, 4], 1, 2, 1, 2);
        var ch = Tensor.FromArray([10, 100], 2, 1, 1);
        var y = Ops.Mul(img, ch);
        Assert.Equal(new Shape(1, 2, 1, 2), y.Shape);
        Assert.Equal([10f, 20, 300, 400], y.ToArray());
        Assert.Equal([10f, 20, 300, 400], Ops.Mul(Tensor.FromArray([10, 100], 1, 2, 1, 1), img).ToArray());

        // empty against a bias keeps the empty shape
        Assert.Equal(new Shape(0, 3), Ops.Add(Tensor.Zeros(0, 3), Tensor.FromArray([1, 2, 3], 3)).Shape);

        // same element count, lower rank: [3] against [1, 3]
        var r = Ops.Add(Tensor.FromArray([1, 2, 3], 3), Tensor.FromArray([1, 1, 1], 1, 3));
        Assert.Equal(new Shape(1, 3), r.Shape);
    }

    public static TheoryData<string, int[], int[]> Patterns()
    {
        var data = new TheoryData<string, int[], int[]>();
        foreach (string op in new[] { "Add", "Sub", "Mul", "Div" })
        {
            data.Add(op, [3, 4], [3, 4]);       // same shape
            data.Add(op, [3, 4], []);           // scalar right
            data.Add(op, [1], [3, 4]);          // scalar left
            data.Add(op, [5, 3], [3]);          // bias right
            data.Add(op, [3], [5, 3]);          // bias left
            data.Add(op, [2, 3, 2, 2], [3, 1, 1]);       // per-channel right
            data.Add(op, [1, 3, 1, 1], [2, 3, 2, 2]);    // per-channel left
            data.Add(op, [4, 3], [4, 1]);       // column right
            data.Add(op, [4, 1], [4, 3]);       // column left
            data.Add(op, [2, 3, 4], [3, 4]);    // trailing block
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void GradCheckBroadcastPatterns(string op, int[] sa, int[] sb)
    {
        var a = RandAwayFromZero(11, 0.5f, 2f, sa);
        var b = RandAwayFromZero(12, 0.5f, 2f, sb);
        GradCheck.Check($"{op} {new Shape(sa)} {new Shape(sb)}", t => Apply(op, t[0], t[1]), [a, b], eps: 1e-3f, rtol: 1e-2);
    }

    [Fact]
    public void GradientOnlyForOperandThatNeedsIt()
    {
        var a = RandAwayFromZero(1, 0.5f, 2f, [4, 3]);
        var b = RandAwayFromZero(2, 0.5f, 2f, [3], grad: false);
        GradCheck.Check("Div a only", t => Ops.Div(t[0], t[1]), [a, b], eps: 1e-3f, rtol: 1e-2);
        var c = RandAwayFromZero(3, 0.5f, 2f, [4, 3], grad: false);
        var d = RandAwayFromZero(4, 0.5f, 2f, [4, 1]);
        GradCheck.Check("Mul b only", t => Ops.Mul(t[0], t[1]), [c, d], eps: 1e-3f, rtol: 1e-2);
    }

    [Fact]
    public void BiasGradientIsColumnSum()
    {
        var x = Param([1, 2, 3, 4, 5, 6], 2, 3);
        var bias = Param([0, 0, 0], 3);
        var g = new float[] { 1, 2, 3, 4, 5, 6 };
        Autograd.Backward(Ops.Add(x, bias), g);
        Assert.Equal([5f, 7, 9], bias.Grad!.ToArray());
        Assert.Equal(g, x.Grad!.ToArray());
    }

    [Theory]
    [InlineData(new[] { 2, 3 }, new[] { 3, 2 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 2, 4 })]
    [InlineData(new[] { 2, 3, 4, 5 }, new[] { 3, 1, 5 })]
    [InlineData(new[] { 4, 1 }, new[] { 1, 4 })]
    [InlineData(new[] { 2, 3 }, new[] { 3, 2, 2 })]
    [InlineData(new[] { 1, 2, 3 }, new[] { 6 })]
    public void IncompatibleShapesThrowNamingOpAndShapes(int[] sa, int[] sb)
    {
        var a = Tensor.Zeros(new Shape(sa));
        var b = Tensor.Zeros(new Shape(sb));
        foreach (string op in new[] { "Add", "Sub", "Mul", "Div" })
        {
            var ex = Assert.Throws<ShapeMismatchException>(() => Apply(op, a, b));
            Assert.Contains(op, ex.Message);
            Assert.Contains(new Shape(sa).ToString(), ex.Message);
            Assert.Contains(new Shape(sb).ToString(), ex.Message);
        }
    }

    [Fact]
    public void LargeTensorsTakeTheParallelPathAndMatchSerialValues()
    {
        // 300 x 400 = 120000 elements, above the parallel threshold.
        var a = Rand(5, -1f, 1f, [300, 400], grad: false);
        var bias = Rand(6, -1f, 1f, [400], grad: false);
        var col = Rand(7, -1f, 1f, [300, 1], grad: false);
        var y1 = Ops.Add(a, bias);
        var y2 = Ops.Mul(col, a);
        var y3 = Ops.Sub(a, a);
        for (int i = 0; i < 300; i++)
        {
            for (int j = 0; j < 400; j++)
            {
                Assert.Equal(a[i, j] + bias[j], y1[i, j]);
                Assert.Equal(col[i, 0] * a[i, j], y2[i, j]);
                Assert.Equal(0f, y3[i, j]);
            }
        }
    }

    [Fact]
    public void InferenceCallsAllocateOnlyTheOutputTensorObject()
    {
        var arena = new TensorArena();
        var x = Rand(1, -1f, 1f, [32, 16], grad: false);
        var b = Rand(2, -1f, 1f, [16], grad: false);
        int[] labels = new int[32];
        void Step()
        {
            using (arena.Enter())
            {
                Ops.CrossEntropy(Ops.Softmax(Ops.Relu(Ops.Mul(Ops.Add(x, b), b))), labels);
            }
        }

        for (int i = 0; i < 10; i++)
        {
            Step();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Step();
        }

        double perOp = (GC.GetAllocatedBytesForCurrentThread() - before) / 100.0 / 5;
        Assert.True(perOp < 200, $"{perOp} bytes per op call");
    }

    [Fact]
    public void OperatorsRouteToOps()
    {
        var a = Tensor.FromArray([1, 2], 2);
        var b = Tensor.FromArray([3, 4], 2);
        Assert.Equal([4f, 6], (a + b).ToArray());
        Assert.Equal([-2f, -2], (a - b).ToArray());
        Assert.Equal([3f, 8], (a * b).ToArray());
        Assert.Equal([3f, 2], (b / a).ToArray());
        Assert.Equal([3f, 4], (a + 2f).ToArray());
        Assert.Equal([3f, 4], (2f + a).ToArray());
        Assert.Equal([-1f, 0], (a - 2f).ToArray());
        Assert.Equal([1f, 0], (2f - a).ToArray());
        Assert.Equal([2f, 4], (a * 2f).ToArray());
        Assert.Equal([2f, 4], (2f * a).ToArray());
        Assert.Equal([0.5f, 1], (a / 2f).ToArray());
        Assert.Equal([-1f, -2], (-a).ToArray());
    }

    [Fact]
    public void SteadyStateStepAllocatesNoNewArenaBuffers()
    {
        var arena = new TensorArena();
        var w = Rand(1, -1f, 1f, [8, 4]);
        var b = Rand(2, -1f, 1f, [4]);
        var x = Rand(3, -1f, 1f, [8, 4], grad: false);
        for (int step = 0; step < 4; step++)
        {
            using (arena.Enter())
            {
                var h = Ops.Tanh(Ops.Add(Ops.Mul(x, w), b));
                Autograd.Backward(Ops.CrossEntropy(h, [0, 1, 2, 3, 0, 1, 2, 3]));
            }
        }

        int warm = arena.BuffersAllocated;
        using (arena.Enter())
        {
            var h = Ops.Tanh(Ops.Add(Ops.Mul(x, w), b));
            Autograd.Backward(Ops.CrossEntropy(h, [0, 1, 2, 3, 0, 1, 2, 3]));
        }

        Assert.Equal(warm, arena.BuffersAllocated);
    }
}
