using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>MatMul (2-D, batched, shared matrix either side, transpose flags) and Linear.</summary>
public sealed class MatMulTests
{
    private static Tensor Rand(ulong seed, bool grad, params int[] dims)
    {
        var t = Tensor.Normal(new Shape(dims), 0f, 1f, new Rng(seed));
        t.RequiresGrad = grad;
        return t;
    }

    /// <summary>Stored dims of an operand whose logical matrix is rows×cols, optionally transposed, optionally batched.</summary>
    private static int[] Dims(int batch, int rows, int cols, bool trans) =>
        batch == 0 ? (trans ? [cols, rows] : [rows, cols]) : (trans ? [batch, cols, rows] : [batch, rows, cols]);

    private static double At(Tensor t, int batch, int i, int j, bool trans)
    {
        int r = trans ? j : i, c = trans ? i : j;
        return t.Rank == 3 ? t[batch, r, c] : t[r, c];
    }

    private static void AssertProduct(Tensor a, Tensor b, bool ta, bool tb, Tensor y, int batch, int m, int n, int k)
    {
        for (int bi = 0; bi < Math.Max(1, batch); bi++)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++)
                    {
                        s += At(a, bi, i, p, ta) * At(b, bi, p, j, tb);
                    }

                    float got = y.Rank == 3 ? y[bi, i, j] : y[i, j];
                    Assert.True(Math.Abs(got - s) <= 1e-4 + (1e-4 * Math.Abs(s)), $"[{bi},{i},{j}] {got} vs {s}");
                }
            }
        }
    }

    public static TheoryData<int, int, bool, bool> Forms()
    {
        var d = new TheoryData<int, int, bool, bool>();
        foreach (var (ba, bb) in new[] { (0, 0), (3, 3), (3, 0), (0, 3) })
        {
            foreach (bool ta in new[] { false, true })
            {
                foreach (bool tb in new[] { false, true })
                {
                    d.Add(ba, bb, ta, tb);
                }
            }
        }

        return d;
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void ForwardAndGradCheck(int batchA, int batchB, bool transA, bool transB)
    {
        const int m = 3, n = 4, k = 5;
        int batch = Math.Max(batchA, batchB);
        var a = Rand(1, true, Dims(batchA, m, k, transA));
        var b = Rand(2, true, Dims(batchB, k, n, transB));
        var y = Ops.MatMul(a, b, transA, transB);
        Assert.Equal(batch == 0 ? new Shape(m, n) : new Shape(batch, m, n), y.Shape);
        AssertProduct(a, b, transA, transB, y, batch, m, n, k);
        GradCheck.Check($"MatMul {batchA}/{batchB} tA={transA} tB={transB}", t => Ops.MatMul(t[0], t[1], transA, transB), [a, b]);
    }

    [Fact]
    public void OnlyTheOperandThatNeedsAGradientGetsOne()
    {
        var a = Rand(3, true, 2, 3, 4);
        var b = Rand(4, false, 4, 5);
        GradCheck.Check("MatMul shared, grad a only", t => Ops.MatMul(t[0], t[1]), [a, b]);
        var a2 = Rand(5, false, 2, 3, 4);
        var b2 = Rand(6, true, 4, 5);
        GradCheck.Check("MatMul shared, grad b only", t => Ops.MatMul(t[0], t[1]), [a2, b2]);
    }

    [Theory]
    [InlineData(true, new[] { 6 })]
    [InlineData(true, new[] { 5, 6 })]
    [InlineData(false, new[] { 5, 6 })]
    [InlineData(true, new[] { 2, 3, 6 })]
    [InlineData(false, new[] { 2, 3, 6 })]
    public void LinearForwardAndGradCheck(bool withBias, int[] xDims)
    {
        var x = Rand(7, true, xDims);
        var w = Rand(8, true, 4, 6);
        Tensor? bias = withBias ? Rand(9, true, 4) : null;
        var y = Ops.Linear(x, w, bias);
        int rows = x.Length / 6;
        int[] outDims = (int[])xDims.Clone();
        outDims[^1] = 4;
        Assert.Equal(new Shape(outDims), y.Shape);
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < 4; o++)
            {
                double s = withBias ? bias!.Span[o] : 0;
                for (int i = 0; i < 6; i++)
                {
                    s += x.Span[(r * 6) + i] * (double)w[o, i];
                }

                Assert.True(Math.Abs(y.Span[(r * 4) + o] - s) < 1e-4, $"row {r} out {o}");
            }
        }

        Tensor[] inputs = withBias ? [x, w, bias!] : [x, w];
        GradCheck.Check($"Linear bias={withBias} x{x.Shape}", t => Ops.Linear(t[0], t[1], withBias ? t[2] : null), inputs);
    }

    [Fact]
    public void MatchesPyTorchBatchedAndSharedTransB()
    {
        var f = Fixtures.Load("structure/matmul.json");
        foreach (var (name, ta, tb) in new[] { ("batched", false, false), ("shared_transB", false, true) })
        {
            var c = f.GetProperty(name);
            var a = Fixtures.ToTensor(c.GetProperty("a"), true);
            var b = Fixtures.ToTensor(c.GetProperty("b"), true);
            var y = Ops.MatMul(a, b, ta, tb);
            TensorAssert.Close(Fixtures.ToTensor(c.GetProperty("y")), y, 1e-5, 1e-5, $"{name} y");
            Autograd.Backward(y, Fixtures.Floats(c.GetProperty("gy")));
            TensorAssert.Close(Fixtures.Floats(c.GetProperty("da")), a.Grad!.Span, 1e-5, 1e-5, $"{name} da");
            TensorAssert.Close(Fixtures.Floats(c.GetProperty("db")), b.Grad!.Span, 1e-5, 1e-5, $"{name} db");
        }
    }

    [Fact]
    public void LinearMatchesPyTorch()
    {
        var f = Fixtures.Load("structure/linear.json");
        var x = Fixtures.ToTensor(f.GetProperty("x"), true);
        var w = Fixtures.ToTensor(f.GetProperty("weight"), true);
        var b = Fixtures.ToTensor(f.GetProperty("bias"), true);
        var y = Ops.Linear(x, w, b);
        TensorAssert.Close(Fixtures.ToTensor(f.GetProperty("y")), y, 1e-5, 1e-5, "y");
        Autograd.Backward(y, Fixtures.Floats(f.GetProperty("gy")));
        TensorAssert.Close(Fixtures.Floats(f.GetProperty("dx")), x.Grad!.Span, 1e-5, 1e-5, "dx");
        TensorAssert.Close(Fixtures.Floats(f.GetProperty("dweight")), w.Grad!.Span, 1e-5, 1e-5, "dweight");
        TensorAssert.Close(Fixtures.Floats(f.GetProperty("dbias")), b.Grad!.Span, 1e-5, 1e-5, "dbias");
    }

    [Fact]
    public void ShapeErrorsNameOpAndShapes()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => Ops.MatMul(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5)));
        Assert.Contains("MatMul", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4, 5]", ex.Message);
        var exb = Assert.Throws<ShapeMismatchException>(() => Ops.MatMul(Tensor.Zeros(2, 3, 4), Tensor.Zeros(3, 4, 5)));
        Assert.Contains("[2, 3, 4]", exb.Message);
        Assert.Contains("[3, 4, 5]", exb.Message);
        Assert.Throws<ShapeMismatchException>(() => Ops.MatMul(Tensor.Zeros(3), Tensor.Zeros(3, 4)));
        var exl = Assert.Throws<ShapeMismatchException>(() => Ops.Linear(Tensor.Zeros(2, 5), Tensor.Zeros(4, 6), null));
        Assert.Contains("Linear", exl.Message);
        Assert.Contains("[2, 5]", exl.Message);
        Assert.Contains("[4, 6]", exl.Message);
        var exbias = Assert.Throws<ShapeMismatchException>(() => Ops.Linear(Tensor.Zeros(2, 6), Tensor.Zeros(4, 6), Tensor.Zeros(5)));
        Assert.Contains("[5]", exbias.Message);
    }
}
