using MtlSharp.NN.Layers;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.NN.Tests;

public sealed class ParameterGroupTests
{
    [Fact]
    public void Pack_KeepsValues_AndBackwardAccumulatesIntoFlatGrads()
    {
        var rng = new Rng(5);
        var model = new Sequential(new Linear(3, 4, rng), new Tanh(), new Linear(4, 2, rng));
        var before = model.Parameters().Select(p => p.Data.ToArray()).ToArray();
        var group = new ParameterGroup(model.Parameters(), "model");
        Assert.Equal(12 + 4 + 8 + 2, group.ElementCount);
        Assert.Equal([0, 12, 16, 24, 26], group.Offsets.ToArray());

        group.Pack();
        Assert.True(group.IsPacked);
        for (int i = 0; i < group.Count; i++)
        {
            Assert.Equal(before[i], group.Values.Slice(group.OffsetOf(i), before[i].Length).ToArray());
            Assert.Same(group.Parameters[i].Value.Buffer, model.Parameters()[i].Value.Buffer);
        }

        // Values alias: writing the flat buffer changes the parameter.
        group.Values[0] = 42f;
        Assert.Equal(42f, model.Parameters()[0].Data[0]);

        // Grads alias: backward writes into the flat gradient buffer.
        var x = Tensor.FromArray([0.1f, -0.2f, 0.3f, 0.5f, 0.4f, -0.6f], 2, 3);
        Autograd.Backward(Ops.Sum(model.Forward(x)));
        var flat = group.Grads.ToArray();
        var copied = new float[group.ElementCount];
        group.CopyGradsTo(copied);
        Assert.Equal(flat, copied);
        Assert.Contains(flat, v => v != 0f);
        for (int i = 0; i < group.Count; i++)
        {
            Assert.Equal(group.Parameters[i].Grad.ToArray(), flat.AsSpan(group.OffsetOf(i), group.Parameters[i].Length).ToArray());
        }

        group.ZeroGrad();
        Assert.All(group.Grads.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(model.Parameters(), p => Assert.All(p.Grad.ToArray(), v => Assert.Equal(0f, v)));
    }

    [Fact]
    public void Unpacked_FlatAccessThrows_CopyAndSetWork()
    {
        var a = new Parameter("a", Tensor.FromArray([1f, 2f], 2));
        var b = new Parameter("b", Tensor.FromArray([3f], 1));
        var g = new ParameterGroup([a, b]);
        Assert.Throws<InvalidOperationException>(() => g.Values.Length);
        var v = new float[3];
        g.CopyValuesTo(v);
        Assert.Equal([1f, 2f, 3f], v);
        g.SetGrads([0.5f, 0.25f, 0.125f]);
        Assert.Equal([0.125f], b.Grad.ToArray());
        Assert.Throws<ArgumentException>(() => new ParameterGroup([a, a]));
    }
}
