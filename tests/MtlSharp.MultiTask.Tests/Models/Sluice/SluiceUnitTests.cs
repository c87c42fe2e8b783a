using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Sluice;

public sealed class SluiceUnitTests
{
    private static Tensor Random(Rng rng, params int[] shape)
    {
        var t = Tensor.Uniform(new Shape(shape), -1f, 1f, rng);
        t.RequiresGrad = true;
        return t;
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    public void SubspaceMixingGradientsMatchFiniteDifferences(int tasks, int subspaces)
    {
        var rng = new Rng(5);
        var inputs = new Tensor[tasks + 1];
        for (int m = 0; m < tasks; m++)
        {
            inputs[m] = Random(rng, 2, 3, 8);
        }

        inputs[tasks] = Random(rng, tasks * subspaces, tasks * subspaces);
        for (int target = 0; target < tasks; target++)
        {
            int tgt = target;
            GradCheck.Check($"SubspaceMixing/{tasks}x{subspaces}/{tgt}", i => SubspaceMixing.Mix(i.AsSpan(0, tasks), i[tasks], tgt, subspaces), inputs, eps: 1e-3f);
        }
    }

    [Fact]
    public void SubspaceMixingMatchesTheEquationOnContiguousHalvesOfEachDirection()
    {
        // M = 2, S = 2, D = 4 (two directions of H = 2): subspace s = unit s of each direction.
        var a = Tensor.FromArray([1, 2, 3, 4], 1, 4);      // task A: fwd (1, 2), bwd (3, 4) → A1 = (1, 3), A2 = (2, 4)
        var b = Tensor.FromArray([10, 20, 30, 40], 1, 4);  // B1 = (10, 30), B2 = (20, 40)
        float[] alpha =
        [
            1, 0, 0, 0,     // A1 ← A1
            0, 0, 0, 1,     // A2 ← B2
            0.5f, 0.5f, 0, 0, // B1 ← (A1 + A2)/2
            0, 0, 1, 1,     // B2 ← B1 + B2
        ];
        var al = Tensor.FromArray(alpha, 4, 4);
        var ya = SubspaceMixing.Mix([a, b], al, 0, 2);
        var yb = SubspaceMixing.Mix([a, b], al, 1, 2);
        Assert.Equal([1f, 20f, 3f, 40f], ya.ToArray());
        Assert.Equal([1.5f, 30f, 3.5f, 70f], yb.ToArray());
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(2, 4)]
    public void MixAllEqualsMixForEveryTargetInValuesAndGradients(int tasks, int subspaces)
    {
        int rows = 3, d = 4 * subspaces;
        var rng = new Rng((ulong)(10 * tasks) + (ulong)subspaces);
        var states = Tensor.Uniform(new Shape(tasks, rows, d), -1, 1, rng);
        var alpha = Tensor.Uniform(new Shape(tasks * subspaces, tasks * subspaces), -1, 1, rng);
        states.RequiresGrad = true;
        alpha.RequiresGrad = true;
        var all = SubspaceMixing.MixAll(states, alpha, subspaces);
        var parts = Enumerable.Range(0, tasks).Select(t => Ops.Reshape(Ops.Slice(states, 0, t, 1), rows, d)).ToArray();
        var each = Ops.Stack(Enumerable.Range(0, tasks).Select(t => SubspaceMixing.Mix(parts, alpha, t, subspaces, directions: 1)).ToArray(), 0);
        TensorAssert.Close(each.Span, all.Span, 1e-6, 1e-5, "values");

        var weights = Tensor.Uniform(all.Shape, -1, 1, rng);
        var gAll = new float[states.Length + alpha.Length];
        var gEach = new float[gAll.Length];
        MtlSharp.Tensors.Autodiff.Autograd.Grad(Ops.Sum(Ops.Mul(all, weights)), [states, alpha], gAll);
        MtlSharp.Tensors.Autodiff.Autograd.Grad(Ops.Sum(Ops.Mul(each, weights)), [states, alpha], gEach);
        TensorAssert.Close(gEach, gAll, 1e-5, 1e-4, "gradients");
    }

    [Fact]
    public void SubspaceMixingRejectsBadShapesNamingTheOp()
    {
        var a = Tensor.Zeros(2, 4);
        var e = Assert.Throws<ShapeMismatchException>(() => SubspaceMixing.Mix([a, a], Tensor.Zeros(3, 3), 0, 2));
        Assert.Contains("SubspaceMixing", e.Message, StringComparison.Ordinal);
        Assert.Contains("[3, 3]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LayerMixingGradientsMatchFiniteDifferences()
    {
        var rng = new Rng(6);
        Tensor[] inputs = [Random(rng, 2, 3, 4), Random(rng, 2, 3, 4), Random(rng, 2, 3, 4), Random(rng, 2, 3)];
        GradCheck.Check("LayerMixing", i => LayerMixing.Mix(i.AsSpan(0, 3), i[3], 1), inputs, eps: 1e-3f);
        var y = LayerMixing.Mix(inputs.AsSpan(0, 3), inputs[3], 0);
        float[] w = inputs[3].ToArray();
        float expected = (w[0] * inputs[0].Span[5]) + (w[1] * inputs[1].Span[5]) + (w[2] * inputs[2].Span[5]);
        Assert.Equal(expected, y.Span[5], 5);
    }

    [Fact]
    public void AlphaAndBetaInitialisations()
    {
        Assert.All(SluiceInit.Alpha(2, 2, AlphaInit.Balanced), v => Assert.Equal(0.25f, v));
        float[] imb = SluiceInit.Alpha(2, 2, AlphaInit.Imbalanced);
        for (int r = 0; r < 4; r++)
        {
            for (int q = 0; q < 4; q++)
            {
                Assert.Equal(r == q ? 0.9f : 0.1f / 3, imb[(r * 4) + q], 6);
            }
        }

        // S = 1: the cross-stitch code's diagonal 0.9, off-diagonal 0.1/(M−1).
        Assert.Equal([0.9f, 0.1f, 0.1f, 0.9f], SluiceInit.Alpha(2, 1, AlphaInit.Imbalanced));
        float[] beta = SluiceInit.Beta(2, 3, BetaInit.Imbalanced);
        Assert.Equal([0.05f, 0.05f, 0.9f, 0.05f, 0.05f, 0.9f], beta);
        Assert.All(SluiceInit.Beta(1, 4, BetaInit.Balanced), v => Assert.Equal(0.25f, v));
    }

    [Fact]
    public void OrthogonalityPenaltyValueAndGradient()
    {
        var rng = new Rng(8);
        var w = Random(rng, 4, 3);
        var r = OrthogonalityPenalty.Of(w, 2).Item();
        // W1 = rows 0–1, W2 = rows 2–3; R = ‖W1ᵀ W2‖²_F.
        var d = w.ToArray();
        double expected = 0;
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                double s = (d[(0 * 3) + i] * d[(2 * 3) + j]) + (d[(1 * 3) + i] * d[(3 * 3) + j]);
                expected += s * s;
            }
        }

        Assert.Equal(expected, r, 4);
        GradCheck.Check("OrthogonalityPenalty", i => OrthogonalityPenalty.Of(i[0], 2), [w], eps: 1e-3f);
        Assert.Equal(0f, OrthogonalityPenalty.Of(w, 1).Item());
    }
}
