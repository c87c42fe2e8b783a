using MtlSharp.NN.Layers;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.NN.Tests;

public sealed class LayerTests
{
    private static Tensor Input(ulong seed, params int[] dims)
    {
        var t = Tensor.Normal(new Shape(dims), 0f, 1f, new Rng(seed));
        t.RequiresGrad = true;
        return t;
    }

    private static Tensor[] With(Tensor x, Module m) => [x, .. m.Parameters().Select(p => p.Value)];

    [Fact]
    public void Linear_ShapeAndGradCheck()
    {
        var lin = new Linear(3, 4, new Rng(1));
        var x = Input(2, 2, 5, 3);
        Assert.Equal(new Shape(2, 5, 4), lin.Forward(x).Shape);
        GradCheck.Check("Linear layer", _ => lin.Forward(x), With(x, lin));
        Assert.Null(new Linear(3, 4, new Rng(1), bias: false).Bias);
    }

    [Fact]
    public void Conv2d_RectangularStridedSame_ShapeAndGradCheck()
    {
        var conv = new Conv2d(2, 3, 3, 2, new Rng(1), strideH: 2, strideW: 1, padding: PaddingMode.Same);
        var x = Input(3, 2, 2, 5, 4);
        Assert.Equal(new Shape(2, 3, 3, 4), conv.Forward(x).Shape);
        GradCheck.Check("Conv2d layer", _ => conv.Forward(x), With(x, conv));
        var valid = new Conv2d(2, 3, 3, new Rng(1));
        Assert.Equal(new Shape(2, 3, 3, 2), valid.Forward(x).Shape);
    }

    [Fact]
    public void Pooling_ShapesAndGradCheck()
    {
        // Distinct, well separated values so no max tie flips within ±eps.
        var perm = new Rng(4).Permutation(2 * 2 * 5 * 4);
        var x = Tensor.FromArray(perm.Select(v => 0.1f * v).ToArray(), 2, 2, 5, 4);
        x.RequiresGrad = true;
        var max = new MaxPool2d(2);
        Assert.Equal(new Shape(2, 2, 2, 2), max.Forward(x).Shape);
        GradCheck.Check("MaxPool2d layer", ins => max.Forward(ins[0]), [x], eps: 1e-2f);
        var avg = new AvgPool2d(3, 2, PaddingMode.Same);
        Assert.Equal(new Shape(2, 2, 3, 2), avg.Forward(x).Shape);
        GradCheck.Check("AvgPool2d layer", ins => avg.Forward(ins[0]), [x]);
        var gap = new GlobalAvgPool();
        Assert.Equal(new Shape(2, 2), gap.Forward(x).Shape);
        GradCheck.Check("GlobalAvgPool layer", ins => gap.Forward(ins[0]), [x]);
    }

    [Fact]
    public void Norms_ShapeAndGradCheck()
    {
        var rng = new Rng(6);
        var gn = new GroupNorm(2, 4);
        rng.FillUniform(gn.Weight!.Data, 0.5f, 1.5f);
        rng.FillUniform(gn.Bias!.Data, -0.5f, 0.5f);
        var x = Input(7, 2, 4, 3);
        Assert.Equal(x.Shape, gn.Forward(x).Shape);
        GradCheck.Check("GroupNorm layer", _ => gn.Forward(x), With(x, gn));

        var ln = new LayerNorm(5);
        rng.FillUniform(ln.Weight!.Data, 0.5f, 1.5f);
        rng.FillUniform(ln.Bias!.Data, -0.5f, 0.5f);
        var y = Input(8, 3, 5);
        Assert.Equal(y.Shape, ln.Forward(y).Shape);
        GradCheck.Check("LayerNorm layer", _ => ln.Forward(y), With(y, ln));
        Assert.Empty(new LayerNorm(5, affine: false).Parameters());
    }

    [Fact]
    public void Embedding_ShapeAndGradCheck()
    {
        var emb = new Embedding(6, 3, new Rng(1));
        int[] ids = [0, 5, 2, 5];
        Assert.Equal(new Shape(2, 2, 3), emb.Forward(ids, 2, 2).Shape);
        Assert.Equal(new Shape(4, 3), emb.Forward(ids).Shape);
        GradCheck.Check("Embedding layer", _ => emb.Forward(ids, 2, 2), [emb.Weight.Value]);
    }

    [Fact]
    public void Lstm_ShapeGradCheckAndInputGateSlices()
    {
        var lstm = new Lstm(3, 4, new Rng(1));
        Assert.Equal(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"], lstm.NamedParameters().Select(p => p.Name));
        var x = Input(2, 2, 4, 3);
        int[] lengths = [4, 2];
        var y = lstm.Forward(x, lengths);
        Assert.Equal(new Shape(2, 4, 4), y.Shape);
        Assert.All(y.ToArray().AsSpan(((1 * 4) + 2) * 4, 8).ToArray(), v => Assert.Equal(0f, v)); // padding
        GradCheck.Check("Lstm layer", _ => lstm.Forward(x, lengths), With(x, lstm));
        var rev = new Lstm(3, 4, new Rng(1), reverse: true);
        GradCheck.Check("Lstm layer (reverse)", _ => rev.Forward(x, lengths), With(x, rev));

        var (ih, hh) = lstm.InputGateRows();
        Assert.Equal(new Shape(4, 3), ih.Shape);
        Assert.Equal(new Shape(4, 4), hh.Shape);
        Assert.Equal(lstm.Weights.WeightIh.Data[..12].ToArray(), ih.ToArray());
        Assert.Equal(lstm.Weights.WeightHh.Data.Slice(2 * 16, 16).ToArray(), lstm.Weights.GateRowsHh(LstmGate.Cell).ToArray());

        // The slices are differentiable: gradient lands in rows [0, H) only.
        lstm.ZeroGrad();
        Autograd.Backward(Ops.Sum(ih));
        var g = lstm.Weights.WeightIh.Grad.ToArray();
        Assert.All(g[..12], v => Assert.Equal(1f, v));
        Assert.All(g[12..], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void BiLstm_TwoLayers_ShapeAndGradCheck()
    {
        var bi = new BiLstm(3, 2, new Rng(1), layers: 2);
        var x = Input(5, 2, 4, 3);
        int[] lengths = [3, 4];
        Assert.Equal(new Shape(2, 4, 4), bi.Forward(x, lengths).Shape);
        Assert.Equal(new Shape(8, 4), bi.Direction(1, reverse: true).WeightIh.Shape);
        GradCheck.Check("BiLstm layer", _ => bi.Forward(x, lengths), With(x, bi));
    }

    [Fact]
    public void Dropout_TrainEvalAndDeterminism()
    {
        var x = Tensor.Ones(1000);
        var drop = new Dropout(0.25f, new Rng(3));
        var y = drop.Forward(x).ToArray();
        int zeros = y.Count(v => v == 0f);
        Assert.InRange(zeros, 180, 320);
        Assert.All(y.Where(v => v != 0f), v => Assert.Equal(1f / 0.75f, v, 5));
        Assert.Equal(y, new Dropout(0.25f, new Rng(3)).Forward(x).ToArray());
        Assert.NotEqual(y, drop.Forward(x).ToArray()); // the stream advances
        drop.Eval();
        Assert.Equal(x.ToArray(), drop.Forward(x).ToArray());
        drop.Train();
        var xi = Input(1, 3, 4);
        GradCheck.Check("Dropout layer", ins => drop.Forward(ins[0], new Rng(11)), [xi]);
    }

    [Fact]
    public void Activations_FlattenAndSequential()
    {
        var x = Tensor.FromArray([-1f, 0.5f, 2f, -0.25f], 2, 2);
        Assert.Equal([0f, 0.5f, 2f, 0f], new Relu().Forward(x).ToArray());
        Assert.Equal(MathF.Tanh(0.5f), new Tanh().Forward(x).ToArray()[1], 6);
        Assert.Equal(1f / (1f + MathF.Exp(1f)), new Sigmoid().Forward(x).ToArray()[0], 6);
        Assert.Equal(new Shape(2, 12), new Flatten().Forward(Tensor.Zeros(2, 3, 2, 2)).Shape);

        var rng = new Rng(8);
        var net = new Sequential(new Conv2d(1, 2, 3, rng, padding: PaddingMode.Same), new Tanh(), new MaxPool2d(2), new Flatten(), new Linear(8, 3, rng), new Sigmoid());
        var img = Input(9, 2, 1, 4, 4);
        Assert.Equal(new Shape(2, 3), net.Forward(img).Shape);
        GradCheck.Check("Sequential", _ => net.Forward(img), With(img, net));
    }
}
