using System.Runtime.Intrinsics;
using System.Text.Json;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>Ops.Lstm and Ops.BiLstm: gradient checks, padding semantics, errors, and parity with torch.nn.LSTM.</summary>
/// <remarks>In the "Threading" collection because one test changes the process-wide thread count.</remarks>
[Collection("Threading")]
public sealed class LstmTests
{
    /// <summary>A U(±scale) tensor that requires gradients (also used by <see cref="BiLstmLookupTests"/>).</summary>
    internal static Tensor Param(Rng rng, float scale, params int[] dims)
    {
        var t = Tensor.Uniform(new Shape(dims), -scale, scale, rng);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>x, wIh, wHh, bIh, bHh for B, T, I, H (biases only when asked).</summary>
    private static Tensor[] Inputs(ulong seed, int b, int t, int i, int h, bool bias)
    {
        var rng = new Rng(seed);
        var list = new List<Tensor> { Param(rng, 1f, b, t, i), Param(rng, 0.6f, 4 * h, i), Param(rng, 0.6f, 4 * h, h) };
        if (bias)
        {
            list.Add(Param(rng, 0.5f, 4 * h));
            list.Add(Param(rng, 0.5f, 4 * h));
        }

        return [.. list];
    }

    private static Tensor Run(Tensor[] p, int[] lengths, bool reverse) =>
        Ops.Lstm(p[0], lengths, p[1], p[2], p.Length > 3 ? p[3] : null, p.Length > 3 ? p[4] : null, reverse);

    [Theory]
    [InlineData(false, true, 0)]
    [InlineData(true, true, 0)]
    [InlineData(false, false, 1)]
    [InlineData(true, false, 1)]
    [InlineData(false, true, 1)]
    [InlineData(true, false, 0)]
    public void GradCheckSmall(bool reverse, bool bias, int shortest)
    {
        int[] lengths = [4, 2, shortest];
        var p = Inputs(11, 3, 4, 3, 2, bias);
        GradCheck.Check($"Lstm(reverse={reverse}, bias={bias})", q => Run(q, lengths, reverse), p, eps: 5e-3f, atol: 1e-3, rtol: 1e-2);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GradCheckVectorPath(bool reverse)
    {
        // H = 9: one 8-wide vector block plus a scalar tail in the fused kernels.
        int[] lengths = [2, 3];
        var p = Inputs(12, 2, 3, 4, 9, bias: true);
        GradCheck.Check($"Lstm(H=9, reverse={reverse})", q => Run(q, lengths, reverse), p, eps: 5e-3f, atol: 1e-3, rtol: 1e-2, maxElementsPerInput: 60);
    }

    [Fact]
    public void GradCheckBiLstm()
    {
        int[] lengths = [4, 1, 3];
        var rng = new Rng(13);
        Tensor[] p =
        [
            Param(rng, 1f, 3, 4, 3),
            Param(rng, 0.6f, 8, 3), Param(rng, 0.6f, 8, 2), Param(rng, 0.5f, 8), Param(rng, 0.5f, 8),
            Param(rng, 0.6f, 8, 3), Param(rng, 0.6f, 8, 2), Param(rng, 0.5f, 8), Param(rng, 0.5f, 8),
        ];
        GradCheck.Check("BiLstm", q => Ops.BiLstm(q[0], lengths, q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8]), p, eps: 5e-3f, atol: 1e-3, rtol: 1e-2);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PaddingIsZeroAndGetsNoGradient(bool reverse)
    {
        int[] lengths = [4, 2, 0];
        var p = Inputs(14, 3, 4, 3, 5, bias: true);
        var y = Run(p, lengths, reverse);
        var rng = new Rng(5);
        float[] g = new float[y.Length];
        rng.FillUniform(g, -1f, 1f);
        Autograd.Backward(y, g);
        var dx = p[0].Grad!;
        for (int b = 0; b < 3; b++)
        {
            for (int t = 0; t < 4; t++)
            {
                for (int j = 0; j < 5; j++)
                {
                    if (t >= lengths[b])
                    {
                        Assert.Equal(0f, y[b, t, j]);
                    }
                    else
                    {
                        Assert.NotEqual(0f, y[b, t, j]);
                    }
                }

                for (int j = 0; j < 3; j++)
                {
                    if (t >= lengths[b])
                    {
                        Assert.Equal(0f, dx[b, t, j]);
                    }
                }
            }
        }
    }

    [Fact]
    public void ReverseReadsEachSequenceBackwards()
    {
        // Reverse over a sequence of length L equals forward over the time-flipped sequence (positions flipped back).
        int[] lengths = [3, 2];
        var p = Inputs(15, 2, 4, 3, 4, bias: true);
        var yr = Run(p, lengths, reverse: true);
        var flipped = Tensor.Zeros(2, 4, 3);
        for (int b = 0; b < 2; b++)
        {
            for (int t = 0; t < lengths[b]; t++)
            {
                for (int j = 0; j < 3; j++)
                {
                    flipped[b, t, j] = p[0][b, lengths[b] - 1 - t, j];
                }
            }
        }

        var yf = Ops.Lstm(flipped, lengths, p[1], p[2], p[3], p[4]);
        for (int b = 0; b < 2; b++)
        {
            for (int t = 0; t < lengths[b]; t++)
            {
                for (int j = 0; j < 4; j++)
                {
                    Assert.Equal(yf[b, lengths[b] - 1 - t, j], yr[b, t, j]);
                }
            }
        }
    }

    [Fact]
    public void ShapeErrorsNameOpAndShapes()
    {
        var x = Tensor.Zeros(2, 3, 4);
        var wIh = Tensor.Zeros(8, 4);
        var wHh = Tensor.Zeros(8, 2);
        int[] len = [3, 3];
        var e1 = Assert.Throws<ShapeMismatchException>(() => Ops.Lstm(x, len, Tensor.Zeros(8, 5), wHh, null, null));
        Assert.Contains("Lstm", e1.Message);
        Assert.Contains("[2, 3, 4]", e1.Message);
        Assert.Contains("[8, 5]", e1.Message);
        var e2 = Assert.Throws<ShapeMismatchException>(() => Ops.Lstm(x, len, wIh, Tensor.Zeros(8, 3), null, null));
        Assert.Contains("Lstm", e2.Message);
        Assert.Contains("[8, 3]", e2.Message);
        var e3 = Assert.Throws<ShapeMismatchException>(() => Ops.Lstm(Tensor.Zeros(2, 4), len, wIh, wHh, null, null));
        Assert.Contains("[2, 4]", e3.Message);
        var e4 = Assert.Throws<ShapeMismatchException>(() => Ops.Lstm(x, len, wIh, wHh, Tensor.Zeros(7), null));
        Assert.Contains("[7]", e4.Message);
        var e5 = Assert.Throws<ShapeMismatchException>(() => Ops.BiLstm(x, len, wIh, wHh, null, null, Tensor.Zeros(12, 4), Tensor.Zeros(12, 3), null, null));
        Assert.Contains("BiLstm", e5.Message);
        Assert.Contains("[12, 3]", e5.Message);
    }

    [Fact]
    public void LengthsOutOfRangeRejected()
    {
        var x = Tensor.Zeros(2, 3, 4);
        var wIh = Tensor.Zeros(8, 4);
        var wHh = Tensor.Zeros(8, 2);
        var e1 = Assert.ThrowsAny<ArgumentException>(() => Ops.Lstm(x, [3, 4], wIh, wHh, null, null));
        Assert.Contains("Lstm", e1.Message);
        Assert.ThrowsAny<ArgumentException>(() => Ops.Lstm(x, [-1, 2], wIh, wHh, null, null));
        var e3 = Assert.ThrowsAny<ArgumentException>(() => Ops.Lstm(x, [3], wIh, wHh, null, null));
        Assert.Contains("Lstm", e3.Message);
        Assert.ThrowsAny<ArgumentException>(() => Ops.BiLstm(x, [3, 9], wIh, wHh, null, null, wIh, wHh, null, null));
    }

    [Fact]
    public void AllLengthsZeroGivesZeros()
    {
        var p = Inputs(16, 2, 3, 2, 3, bias: true);
        var y = Ops.BiLstm(p[0], [0, 0], p[1], p[2], p[3], p[4], p[1], p[2], p[3], p[4]);
        Assert.Equal(new Shape(2, 3, 6), y.Shape);
        Assert.All(y.ToArray(), v => Assert.Equal(0f, v));
        Autograd.Backward(y, new float[y.Length]);
    }

    [Fact]
    public void BiLstmSameResultForAnyThreadCount()
    {
        // Big enough (B·4H·H ≥ 2¹⁸) that the step GEMMs take the multi-threaded GEMM path inside the concurrent directions.
        int[] lengths = [6, 2, 4, 3, 6, 6, 1, 5, 6, 2, 4, 3, 6, 5, 1, 5];
        var rng = new Rng(17);
        var x = Param(rng, 1f, 16, 6, 32);
        Tensor[] w = [Param(rng, 0.2f, 256, 32), Param(rng, 0.2f, 256, 64), Param(rng, 0.2f, 256, 32), Param(rng, 0.2f, 256, 64)];
        float[] Go()
        {
            x.ZeroGrad();
            foreach (var t in w)
            {
                t.ZeroGrad();
            }

            var y = Ops.BiLstm(x, lengths, w[0], w[1], null, null, w[2], w[3], null, null);
            Autograd.Backward(y, Enumerable.Range(0, y.Length).Select(i => MathF.Sin(i)).ToArray());
            return [.. y.ToArray(), .. x.Grad!.ToArray(), .. w[1].Grad!.ToArray(), .. w[2].Grad!.ToArray()];
        }

        int saved = Threading.ThreadCount;
        try
        {
            Threading.ThreadCount = 1;
            float[] one = Go();
            Threading.ThreadCount = 2;
            float[] two = Go();
            Assert.Equal(one, two);
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    [Fact]
    public void SteadyStateArenaAllocatesNothingNew()
    {
        // Batches of one padded shape reuse the arena's buffers whatever their lengths.
        var p = Inputs(18, 3, 5, 4, 6, bias: true);
        var arena = new TensorArena();
        float[] g = new float[3 * 5 * 12];
        void Step(int[] lengths)
        {
            using (arena.Enter())
            {
                var y = Ops.BiLstm(p[0], lengths, p[1], p[2], p[3], p[4], p[1], p[2], p[3], p[4]);
                Autograd.Backward(y, g);
            }
        }

        Step([5, 3, 4]);
        int buffers = arena.BuffersAllocated;
        Step([5, 3, 4]);
        Step([2, 5, 1]);
        Step([5, 5, 5]);
        Assert.Equal(buffers, arena.BuffersAllocated);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(24)]
    [InlineData(37)]
    [InlineData(16)]
    [InlineData(5)]
    public void CellKernelsGiveTheSameBitsAtBothWidths(int hidden)
    {
        // The 512-bit cell kernels (sixteen units a step, emulated where the host lacks AVX-512) against the 256-bit
        // ones: output, input gradient and all weight gradients of a BiLSTM, bit for bit. hidden 100 = 6·16 + 4 takes
        // the 16-lane loop and the padded tail, 24 one 16- and one 8-lane step, 37 two 16-lane steps and the tail.
        int[] lengths = [5, 2, 4, 1, 5, 3];
        var rng = new Rng(23);
        var x = Param(rng, 1f, 6, 5, 9);
        Tensor[] w =
        [
            Param(rng, 0.4f, 4 * hidden, 9), Param(rng, 0.4f, 4 * hidden, hidden), Param(rng, 0.3f, 4 * hidden), Param(rng, 0.3f, 4 * hidden),
            Param(rng, 0.4f, 4 * hidden, 9), Param(rng, 0.4f, 4 * hidden, hidden), Param(rng, 0.3f, 4 * hidden), Param(rng, 0.3f, 4 * hidden),
        ];
        float[] Go(bool wide)
        {
            x.ZeroGrad();
            foreach (var t in w)
            {
                t.ZeroGrad();
            }

            using (Kernels.KernelOverrides.Force(new Kernels.KernelPathOverride { Wide = wide }))
            {
                var y = Ops.BiLstm(x, lengths, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
                Autograd.Backward(y, Enumerable.Range(0, y.Length).Select(i => MathF.Sin(0.7f * i)).ToArray());
                float[] all = [.. y.ToArray(), .. x.Grad!.ToArray()];
                foreach (var t in w)
                {
                    all = [.. all, .. t.Grad!.ToArray()];
                }

                return all;
            }
        }

        float[] narrow = Go(false), wide = Go(true);
        Assert.Contains(narrow, v => v != 0);
        Assert.Equal(narrow, wide);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, true)]
    [InlineData(5, false)]
    [InlineData(8, true)]
    [InlineData(9, false)]
    [InlineData(13, true)]
    [InlineData(36, false)]
    [InlineData(100, true)]
    public unsafe void ForwardRowGivesEachUnitTheLaneFormula(int hidden, bool first)
    {
        // The cell kernel (activation pass over the [4H] row, then the state update; 16-lane, 8-lane and padded tails,
        // and the vectors that straddle the g block) against the formula evaluated unit by unit with the same vector
        // approximations on broadcast values: every output bit for bit, at both widths. Odd H puts the g block's
        // edges inside vectors; H = 100 is the tagger's size.
        var rng = new Rng((ulong)(31 + hidden));
        int g4 = 4 * hidden;
        float[] RandomArray(int n, float s)
        {
            float[] a = new float[n];
            rng.FillUniform(a, -s, s);
            return a;
        }

        float[] gates0 = RandomArray(g4, 3f), rec = RandomArray(g4, 2f), bias = RandomArray(g4, 1f);
        float[] c0 = RandomArray(hidden, 2f), h0 = RandomArray(hidden, 1f);

        // Expected, unit by unit.
        static float Sig(float z) => Kernels.LstmKernels.Sigmoid(Vector256.Create(z))[0];
        static float Th(float z) => Kernels.LstmKernels.Tanh(Vector256.Create(z))[0];
        float[] eGates = new float[g4], eC = new float[hidden], eH = new float[hidden], eTc = new float[hidden];
        for (int j = 0; j < hidden; j++)
        {
            float Z(int gate) => first ? gates0[(gate * hidden) + j] + bias[(gate * hidden) + j] : gates0[(gate * hidden) + j] + bias[(gate * hidden) + j] + rec[(gate * hidden) + j];
            float i = Sig(Z(0)), f = Sig(Z(1)), g = Th(Z(2)), o = Sig(Z(3));
            float cn = Vector256.FusedMultiplyAdd(Vector256.Create(f), Vector256.Create(c0[j]), Vector256.Create(i * g))[0];
            float tc = Th(cn);
            (eGates[j], eGates[hidden + j], eGates[(2 * hidden) + j], eGates[(3 * hidden) + j]) = (i, f, g, o);
            (eC[j], eTc[j], eH[j]) = (cn, tc, o * tc);
        }

        foreach (bool wide in (bool[])[false, true])
        {
            float[] gates = (float[])gates0.Clone(), c = (float[])c0.Clone(), h = (float[])h0.Clone();
            float[] cPrev = new float[hidden], hPrev = new float[hidden], tanhC = new float[hidden], y = new float[hidden];
            fixed (float* pg = gates, pr = rec, pb = bias, pc = c, ph = h, pcp = cPrev, php = hPrev, ptc = tanhC, py = y)
            {
                Kernels.LstmKernels.ForwardRow(pg, first ? null : pr, pb, pc, ph, pcp, php, ptc, py, hidden, wide);
            }

            Assert.Equal(eGates, gates);
            Assert.Equal(eC, c);
            Assert.Equal(eTc, tanhC);
            Assert.Equal(eH, h);
            Assert.Equal(eH, y);
            Assert.Equal(c0, cPrev);
            Assert.Equal(h0, hPrev);
        }
    }

    [Fact]
    public void VectorMathIsTheSameAtBothWidths()
    {
        // Lane for lane, the 512-bit sigmoid, tanh and exp give the bits of the 256-bit ones, over the whole range
        // including the clamps, the small-|x| branch of tanh, ±0 and the infinities.
        var inputs = new List<float> { 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, 1e-30f, -1e-30f, 3.9e-4f, 4.1e-4f, 87.3f, -87.3f, 88.4f, -88f, 7.99f, -8.01f, 200f, -200f };
        for (double v = -100; v <= 100; v += 3.1e-3)
        {
            inputs.Add((float)v);
        }

        while (inputs.Count % 16 != 0)
        {
            inputs.Add(0.5f);
        }

        for (int i = 0; i < inputs.Count; i += 16)
        {
            var x512 = Vector512.Create(inputs.GetRange(i, 16).ToArray());
            var lo = x512.GetLower();
            var hi = x512.GetUpper();
            Assert.Equal(Vector512.Create(Kernels.LstmKernels.Sigmoid(lo), Kernels.LstmKernels.Sigmoid(hi)), Kernels.LstmKernels512.Sigmoid(x512));
            Assert.Equal(Vector512.Create(Kernels.LstmKernels.Tanh(lo), Kernels.LstmKernels.Tanh(hi)), Kernels.LstmKernels512.Tanh(x512));
            Assert.Equal(Vector512.Create(Kernels.LstmKernels.Exp(lo), Kernels.LstmKernels.Exp(hi)), Kernels.LstmKernels512.Exp(x512));
        }
    }

    [Fact]
    public void VectorMathIsAccurate()
    {
        double worstSig = 0, worstTanh = 0, worstExp = 0;
        for (double v = -30; v <= 30; v += 7.3e-4)
        {
            float x = (float)v;
            var vx = System.Runtime.Intrinsics.Vector256.Create(x);
            double sig = 1 / (1 + Math.Exp(-(double)x)), th = Math.Tanh(x), ex = Math.Exp(x);
            worstSig = Math.Max(worstSig, Math.Abs(Kernels.LstmKernels.Sigmoid(vx)[0] - sig) / sig);
            worstTanh = Math.Max(worstTanh, th == 0 ? 0 : Math.Abs(Kernels.LstmKernels.Tanh(vx)[0] - th) / Math.Abs(th));
            worstExp = Math.Max(worstExp, Math.Abs(Kernels.LstmKernels.Exp(vx)[0] - ex) / ex);
        }

        Assert.True(worstSig < 1e-6, $"sigmoid relative error {worstSig:E2}");
        Assert.True(worstTanh < 1e-6, $"tanh relative error {worstTanh:E2}");
        Assert.True(worstExp < 1e-6, $"exp relative error {worstExp:E2}");
        Assert.Equal(1f, Kernels.LstmKernels.Tanh(System.Runtime.Intrinsics.Vector256.Create(50f))[0]);
        Assert.InRange(Kernels.LstmKernels.Sigmoid(System.Runtime.Intrinsics.Vector256.Create(-200f))[0], 0f, 1e-37f);
        Assert.Equal(1f, Kernels.LstmKernels.Sigmoid(System.Runtime.Intrinsics.Vector256.Create(200f))[0]);
    }

    // ------------------------------------------------------------------ PyTorch parity

    private static Tensor T(JsonElement f, string key) => Fixtures.ToTensor(f.GetProperty(key), requiresGrad: true);

    private static Tensor? TOpt(JsonElement f, string key) => f.TryGetProperty(key, out var e) ? Fixtures.ToTensor(e, requiresGrad: true) : null;

    private static void AssertGrad(JsonElement f, string key, Tensor? t)
    {
        if (t is null)
        {
            Assert.False(f.TryGetProperty(key, out _), $"{key} expected but parameter missing");
            return;
        }

        TensorAssert.Close(Fixtures.Floats(f.GetProperty(key)), t.Grad!.Span, atol: 1e-5, rtol: 1e-5, what: key);
    }

    [Fact]
    public void ParityUnidirectional()
    {
        var f = Fixtures.Load("lstm/uni.json");
        int[] lengths = Fixtures.Ints(f.GetProperty("lengths"));
        var x = T(f, "x");
        Tensor wIh = T(f, "w_ih"), wHh = T(f, "w_hh");
        Tensor? bIh = TOpt(f, "b_ih"), bHh = TOpt(f, "b_hh");
        var y = Ops.Lstm(x, lengths, wIh, wHh, bIh, bHh);
        TensorAssert.Close(Fixtures.Floats(f.GetProperty("out")), y.Span, 1e-6, 1e-5, "out");
        Autograd.Backward(y, Fixtures.Floats(f.GetProperty("R")));
        AssertGrad(f, "dx", x);
        AssertGrad(f, "dw_ih", wIh);
        AssertGrad(f, "dw_hh", wHh);
        AssertGrad(f, "db_ih", bIh);
        AssertGrad(f, "db_hh", bHh);
    }

    [Theory]
    [InlineData("bi", true)]
    [InlineData("bi", false)]
    [InlineData("bi_nobias", true)]
    [InlineData("bi_nobias", false)]
    [InlineData("bi_full", true)]
    public void ParityBidirectional(string name, bool fused)
    {
        var f = Fixtures.Load($"lstm/{name}.json");
        int[] lengths = Fixtures.Ints(f.GetProperty("lengths"));
        int h = f.GetProperty("hidden").GetInt32();
        var x = T(f, "x");
        Tensor wIh = T(f, "w_ih"), wHh = T(f, "w_hh"), wIhR = T(f, "w_ih_reverse"), wHhR = T(f, "w_hh_reverse");
        Tensor? bIh = TOpt(f, "b_ih"), bHh = TOpt(f, "b_hh"), bIhR = TOpt(f, "b_ih_reverse"), bHhR = TOpt(f, "b_hh_reverse");
        float[] r = Fixtures.Floats(f.GetProperty("R"));
        float[] expected = Fixtures.Floats(f.GetProperty("out"));
        if (fused)
        {
            var y = Ops.BiLstm(x, lengths, wIh, wHh, bIh, bHh, wIhR, wHhR, bIhR, bHhR);
            TensorAssert.Close(expected, y.Span, 1e-6, 1e-5, "out");
            Autograd.Backward(y, r);
        }
        else
        {
            // Forward op + reverse op with the reverse weights; the gradient R is split by columns.
            var yf = Ops.Lstm(x, lengths, wIh, wHh, bIh, bHh);
            var yb = Ops.Lstm(x, lengths, wIhR, wHhR, bIhR, bHhR, reverse: true);
            int rows = yf.Length / h;
            float[] rf = new float[rows * h], rb = new float[rows * h];
            float[] ef = new float[rows * h], eb = new float[rows * h];
            for (int i = 0; i < rows; i++)
            {
                Array.Copy(r, i * 2 * h, rf, i * h, h);
                Array.Copy(r, (i * 2 * h) + h, rb, i * h, h);
                Array.Copy(expected, i * 2 * h, ef, i * h, h);
                Array.Copy(expected, (i * 2 * h) + h, eb, i * h, h);
            }

            TensorAssert.Close(ef, yf.Span, 1e-6, 1e-5, "out forward");
            TensorAssert.Close(eb, yb.Span, 1e-6, 1e-5, "out reverse");
            Autograd.Backward(yf, rf);
            Autograd.Backward(yb, rb);
        }

        AssertGrad(f, "dx", x);
        AssertGrad(f, "dw_ih", wIh);
        AssertGrad(f, "dw_hh", wHh);
        AssertGrad(f, "db_ih", bIh);
        AssertGrad(f, "db_hh", bHh);
        AssertGrad(f, "dw_ih_reverse", wIhR);
        AssertGrad(f, "dw_hh_reverse", wHhR);
        AssertGrad(f, "db_ih_reverse", bIhR);
        AssertGrad(f, "db_hh_reverse", bHhR);
    }
}
