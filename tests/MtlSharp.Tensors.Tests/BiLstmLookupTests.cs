using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>
/// Ops.BiLstmLookup (a BiLSTM layer over embedded ids, projecting each distinct table row once): finite differences,
/// agreement with Embedding followed by BiLstm (values and every gradient), padding ids never read, errors, thread
/// counts and arena reuse.
/// </summary>
/// <remarks>In the "Threading" collection because one test changes the process-wide thread count.</remarks>
[Collection("Threading")]
public sealed class BiLstmLookupTests
{
    /// <summary>table [V, I], then each direction's wIh, wHh, bIh, bHh.</summary>
    private static Tensor[] Inputs(ulong seed, int vocab, int input, int hidden)
    {
        var rng = new Rng(seed);
        return
        [
            LstmTests.Param(rng, 1f, vocab, input),
            LstmTests.Param(rng, 0.6f, 4 * hidden, input), LstmTests.Param(rng, 0.6f, 4 * hidden, hidden), LstmTests.Param(rng, 0.5f, 4 * hidden), LstmTests.Param(rng, 0.5f, 4 * hidden),
            LstmTests.Param(rng, 0.6f, 4 * hidden, input), LstmTests.Param(rng, 0.6f, 4 * hidden, hidden), LstmTests.Param(rng, 0.5f, 4 * hidden), LstmTests.Param(rng, 0.5f, 4 * hidden),
        ];
    }

    private static Tensor Lookup(Tensor[] p, int[] ids, int batch, int time, int[] lengths) =>
        Ops.BiLstmLookup(p[0], ids, batch, time, lengths, p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]);

    /// <summary>The composed ops; ids at padding positions are replaced by 0 (Embedding reads every id).</summary>
    private static Tensor Composed(Tensor[] p, int[] ids, int batch, int time, int[] lengths)
    {
        int[] valid = (int[])ids.Clone();
        for (int b = 0; b < batch; b++)
        {
            for (int t = lengths[b]; t < time; t++)
            {
                valid[(b * time) + t] = 0;
            }
        }

        return Ops.BiLstm(Ops.Embedding(p[0], valid, batch, time), lengths, p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]);
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        // Repeated ids, an id used only at padding (99: never read), lengths 4, 1, 3.
        int[] lengths = [4, 1, 3];
        int[] ids = [2, 0, 2, 4, 1, 99, 99, 99, 4, 2, 0, 99];
        var p = Inputs(21, 5, 3, 2);
        GradCheck.Check("BiLstmLookup", q => Lookup(q, ids, 3, 4, lengths), p, eps: 5e-3f, atol: 1e-3, rtol: 1e-2);
    }

    [Theory]
    [InlineData(7, 16, 9, false)]
    [InlineData(40, 24, 16, true)]
    public void MatchesEmbeddingThenBiLstm(int vocab, int input, int hidden, bool zeroLength)
    {
        const int batch = 6, time = 5;
        int[] lengths = [5, 3, zeroLength ? 0 : 2, 5, 1, 4];
        var rng = new Rng(31);
        int[] ids = new int[batch * time];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = rng.NextInt(vocab);
        }

        float[] seed = new float[batch * time * 2 * hidden];
        for (int i = 0; i < seed.Length; i++)
        {
            seed[i] = MathF.Sin(0.37f * i);
        }

        float[][] Run(Func<Tensor[], Tensor> f)
        {
            var p = Inputs(32, vocab, input, hidden);
            var y = f(p);
            Autograd.Backward(y, seed);
            return [y.ToArray(), .. p.Select(t => t.Grad!.ToArray())];
        }

        var fused = Run(p => Lookup(p, ids, batch, time, lengths));
        var composed = Run(p => Composed(p, ids, batch, time, lengths));
        for (int k = 0; k < fused.Length; k++)
        {
            Assert.Equal(composed[k].Length, fused[k].Length);
            float scale = composed[k].Max(MathF.Abs);
            for (int i = 0; i < fused[k].Length; i++)
            {
                Assert.True(
                    MathF.Abs(fused[k][i] - composed[k][i]) <= 1e-5f * MathF.Max(1f, scale),
                    $"tensor {k} (0: y, 1: table grad, then weights) element {i}: {fused[k][i]} vs {composed[k][i]}");
            }
        }

        // Padding positions are zero.
        for (int t = lengths[2]; t < time; t++)
        {
            Assert.All(fused[0].AsSpan(((2 * time) + t) * 2 * hidden, 2 * hidden).ToArray(), v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void ErrorsNameTheOpAndTheProblem()
    {
        var p = Inputs(41, 5, 3, 2);
        var e1 = Assert.Throws<ArgumentException>(() => Lookup(p, [0, 1, 5, 0, 1, 2], 2, 3, [3, 3]));
        Assert.Contains("BiLstmLookup", e1.Message);
        Assert.Contains("id 5 at position 2", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Lookup(p, [0, 1, 2], 2, 3, [3, 3]));
        Assert.Contains("3 ids for a batch of 2 × 3", e2.Message);
        Assert.ThrowsAny<ArgumentException>(() => Lookup(p, [0, 1, 2, 0, 1, 2], 2, 3, [3, 4]));
        var e3 = Assert.Throws<ShapeMismatchException>(() => Ops.BiLstmLookup(
            Tensor.Zeros(5, 4), [0, 1, 2, 0, 1, 2], 2, 3, [3, 3], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]));
        Assert.Contains("BiLstmLookup", e3.Message);
    }

    [Fact]
    public void SameResultForAnyThreadCount()
    {
        // Big enough (B·4H·H ≥ 2¹⁸) that the step GEMMs take the multi-threaded GEMM path inside the concurrent directions.
        int[] lengths = [6, 2, 4, 3, 6, 6, 1, 5, 6, 2, 4, 3, 6, 5, 1, 5];
        const int batch = 16, time = 6, vocab = 50;
        var rng = new Rng(43);
        int[] ids = new int[batch * time];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = rng.NextInt(vocab);
        }

        var p = Inputs(44, vocab, 32, 64);
        float[] Go()
        {
            foreach (var t in p)
            {
                t.ZeroGrad();
            }

            var y = Lookup(p, ids, batch, time, lengths);
            Autograd.Backward(y, Enumerable.Range(0, y.Length).Select(i => MathF.Sin(i)).ToArray());
            return [.. y.ToArray(), .. p[0].Grad!.ToArray(), .. p[1].Grad!.ToArray(), .. p[6].Grad!.ToArray(), .. p[8].Grad!.ToArray()];
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
        // Batches of one padded shape reuse the arena's buffers whatever their lengths and however many ids they use.
        var p = Inputs(45, 9, 4, 6);
        var arena = new TensorArena();
        float[] g = new float[3 * 5 * 12];
        void Step(int[] ids, int[] lengths)
        {
            using (arena.Enter())
            {
                var y = Lookup(p, ids, 3, 5, lengths);
                Autograd.Backward(y, g);
            }
        }

        int[] many = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5];
        Step(many, [5, 3, 4]);
        int buffers = arena.BuffersAllocated;
        Step(many, [5, 3, 4]);
        Step([1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1], [2, 5, 1]);
        Step(many, [5, 5, 5]);
        Assert.Equal(buffers, arena.BuffersAllocated);
    }
}
