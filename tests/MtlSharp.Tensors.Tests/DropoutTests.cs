using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;
using static MtlSharp.Tensors.Tests.PointwiseTestData;

namespace MtlSharp.Tensors.Tests;

public sealed class DropoutTests
{
    [Fact]
    public void ZeroProbabilityAndEvalAreIdentity()
    {
        var x = Rand(1, -1f, 1f, [4, 5]);
        Assert.Same(x, Ops.Dropout(x, 0f, new Rng(1), training: true));
        Assert.Same(x, Ops.Dropout(x, 0.5f, new Rng(1), training: false));
    }

    [Fact]
    public void SameSeedSameMask()
    {
        var x = Tensor.Ones(1000);
        var a = Ops.Dropout(x, 0.4f, new Rng(7), training: true).ToArray();
        var b = Ops.Dropout(x, 0.4f, new Rng(7), training: true).ToArray();
        var c = Ops.Dropout(x, 0.4f, new Rng(8), training: true).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void EmpiricalKeepRateAndScale()
    {
        var x = Tensor.Ones(100001);
        float p = 0.3f;
        var y = Ops.Dropout(x, p, new Rng(3), training: true);
        int kept = 0;
        foreach (float v in y.Span)
        {
            if (v != 0)
            {
                Assert.Equal(1f / (1 - p), v, 1e-6f);
                kept++;
            }
        }

        Assert.InRange(kept / 100001.0, 0.69, 0.71);
    }

    [Fact]
    public void GradientUsesTheSameMask()
    {
        var x = Rand(5, 0.5f, 1.5f, [6, 7]);
        var y = Ops.Dropout(x, 0.5f, new Rng(11), training: true);
        Autograd.Backward(Ops.Sum(y));
        for (int i = 0; i < x.Length; i++)
        {
            float ratio = y.Span[i] / x.Span[i];
            Assert.Equal(ratio, x.Grad!.Span[i], 1e-6f);
        }

        // Finite differences with the mask fixed by reseeding on every evaluation.
        GradCheck.Check("Dropout", t => Ops.Dropout(t[0], 0.5f, new Rng(11), training: true), [x], eps: 1e-3f);
    }

    [Fact]
    public void ProbabilityOneDropsEverythingAndBadProbabilityThrows()
    {
        var x = Rand(5, 0.5f, 1.5f, [9]);
        Assert.All(Ops.Dropout(x, 1f, new Rng(1), training: true).ToArray(), v => Assert.Equal(0f, v));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Dropout(x, 1.5f, new Rng(1), true));
        Assert.Contains("Dropout", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Dropout(x, float.NaN, new Rng(1), true));
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(0.3f)]
    [InlineData(1f)]
    public void SharesOfABatchGetTheWholeBatchMaskAndAdvanceTheStreamAlike(float p)
    {
        // Width 3: a 64-bit draw decides two elements, so draws straddle rows; shares start at even and odd elements.
        var x = Rand(3, 0.5f, 1.5f, [7, 3]);
        var rng = new Rng(21);
        var whole = Ops.Dropout(x, p, rng, training: true).ToArray();
        ulong next = rng.NextUInt64();
        foreach (var (start, count) in new[] { (0, 3), (3, 4), (1, 1), (0, 7), (6, 1) })
        {
            var rows = Tensor.FromArray(x.ToArray().AsSpan(start * 3, count * 3).ToArray(), count, 3);
            var r = new Rng(21);
            var share = Ops.Dropout(rows, p, r, training: true, new RowShare(start, count, 7)).ToArray();
            Assert.Equal(whole.AsSpan(start * 3, count * 3).ToArray(), share);
            Assert.Equal(next, r.NextUInt64());
        }

        // The default share is the whole batch: the same as the overload without it.
        Assert.Equal(whole, Ops.Dropout(x, p, new Rng(21), training: true, default).ToArray());
    }

    [Fact]
    public void AShareThatDoesNotFitItsTensorIsRefused()
    {
        var x = Rand(3, 0.5f, 1.5f, [4, 3]);
        var e = Assert.Throws<ArgumentException>(() => Ops.Dropout(x, 0.5f, new Rng(1), training: true, new RowShare(2, 3, 5)));
        Assert.Contains("rows [2, 5) of 5", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Ops.Dropout(x, 0.5f, new Rng(1), training: true, new RowShare(3, 4, 6)));
    }
}
