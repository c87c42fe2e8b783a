using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Routing;

public sealed class ComponentLinearTests
{
    private static Tensor R(Rng rng, params int[] shape)
    {
        var t = Tensor.Uniform(new Shape(shape), -1f, 1f, rng);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void ForwardMatchesPerComponentProducts()
    {
        var rng = new Rng(1);
        var x = R(rng, 3, 2);
        var w = R(rng, 4, 2, 5);
        var b = R(rng, 4, 5);
        var y = ComponentLinear.Forward(x, w, b, [2, 0]);
        Assert.Equal(new Shape(2, 3, 5), y.Shape);
        for (int i = 0; i < 2; i++)
        {
            int c = i == 0 ? 2 : 0;
            for (int n = 0; n < 3; n++)
            {
                for (int o = 0; o < 5; o++)
                {
                    float e = b[c, o] + (x[n, 0] * w[c, 0, o]) + (x[n, 1] * w[c, 1, o]);
                    Assert.Equal(e, y[i, n, o], 5);
                }
            }
        }
    }

    [Fact]
    public void GradientsSharedInput()
    {
        var rng = new Rng(2);
        GradCheck.Check("ComponentLinear/shared", i => ComponentLinear.Forward(i[0], i[1], i[2]), [R(rng, 3, 4), R(rng, 3, 4, 2), R(rng, 3, 2)], eps: 1e-3f);
    }

    [Fact]
    public void GradientsPerComponentInputAndSubset()
    {
        var rng = new Rng(3);
        GradCheck.Check("ComponentLinear/subset", i => ComponentLinear.Forward(i[0], i[1], null, [3, 1]), [R(rng, 2, 3, 4), R(rng, 4, 4, 2)], eps: 1e-3f);
    }

    [Fact]
    public void RejectsWrongInputWidth()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => ComponentLinear.Forward(Tensor.Zeros(3, 5), Tensor.Zeros(2, 4, 1), null));
        Assert.Contains("[3, 5]", ex.Message);
        Assert.Contains("[2, 4, 1]", ex.Message);
    }
}
