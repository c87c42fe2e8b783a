using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Routing;

public sealed class ModuleComponentsTests
{
    private static ModuleComponents PoolIdentityConv(Rng rng) => new(
        new MaxPool2d(3, 1, PaddingMode.Same),
        new AvgPool2d(3, 1, PaddingMode.Same),
        new Identity(),
        new Conv2d(2, 2, 3, rng, padding: PaddingMode.Same));

    [Fact]
    public void PoolingIdentityAndConvComponentsShareOneLayer()
    {
        var rng = new Rng(1);
        var comps = PoolIdentityConv(rng);
        var layer = new RoutedLayer(comps, new FixedRouter([[0, 0, 1, 0], [1, 1, 1, 1]]));
        var x = Tensor.Uniform(new Shape(2, 2, 5, 5), -1, 1, rng);
        var identityOnly = layer.Forward(x, new RoutingContext(0, false, 1f, rng));
        TensorAssert.Close(x, identityOnly, 0, 0, "identity component");
        var all = layer.Forward(x, new RoutingContext(1, false, 1f, rng));
        Assert.Equal(x.Shape, all.Shape);
        Assert.Equal(4, comps.Count);
    }

    [Fact]
    public void GradientsFlowThroughEveryKindOfComponent()
    {
        var rng = new Rng(2);
        var comps = PoolIdentityConv(rng);
        var layer = new RoutedLayer(comps, FixedRouter.SharedBottom(1, 4));
        var x = Tensor.Uniform(new Shape(1, 2, 4, 4), -1, 1, rng);
        x.RequiresGrad = true;
        var ps = comps.Parameters().Select(p => p.Value).ToArray();
        GradCheck.Check("ModuleComponents", i => layer.Forward(i[0], new RoutingContext(0, true, 1f, new Rng(0))), [x, .. ps], eps: 1e-3f);
    }
}
