using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Routing;

public sealed class RoutedLayerTests
{
    private static RoutingContext Eval(int task) => new(task, false, 1f, new Rng(0));

    [Fact]
    public void NoSharingUsesExactlyTheTasksComponent()
    {
        var rng = new Rng(1);
        var comps = new MlpComponents(3, [5, 4, 2], outputRelu: false, rng);
        var layer = new RoutedLayer(comps, FixedRouter.NoSharing(3, 3));
        var x = Tensor.Uniform(new Shape(6, 5), -1, 1, rng);
        var all = comps.Forward(x, default).Stacked; // [1, 3, 6*2]
        for (int t = 0; t < 3; t++)
        {
            var y = layer.Forward(x, Eval(t));
            Assert.Equal(new Shape(6, 2), y.Shape);
            TensorAssert.Close(all.Span.Slice(t * 12, 12), y.Span, 1e-6, 1e-6, $"task {t}");
        }
    }

    [Fact]
    public void SharedBottomAveragesAndSumModeAdds()
    {
        var rng = new Rng(2);
        var comps = new MlpComponents(2, [3, 2], outputRelu: false, rng);
        var x = Tensor.Uniform(new Shape(4, 3), -1, 1, rng);
        var all = comps.Forward(x, default).Stacked.ToArray();
        var mean = new RoutedLayer(comps, FixedRouter.SharedBottom(1, 2), CombineMode.Mean).Forward(x, Eval(0)).ToArray();
        var sum = new RoutedLayer(comps, FixedRouter.SharedBottom(1, 2), CombineMode.Sum).Forward(x, Eval(0)).ToArray();
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal((all[i] + all[8 + i]) / 2, mean[i], 5);
            Assert.Equal(all[i] + all[8 + i], sum[i], 5);
        }
    }

    [Fact]
    public void TaskWithoutComponentsGetsZeros()
    {
        var rng = new Rng(3);
        var comps = new ConvComponents(2, 1, 3, 3, rng);
        var layer = new RoutedLayer(comps, new FixedRouter([[0, 0], [1, 1]]));
        var y = layer.Forward(Tensor.Uniform(new Shape(2, 1, 6, 6), 0, 1, rng), Eval(0));
        Assert.Equal(new Shape(2, 3, 4, 4), y.Shape);
        Assert.All(y.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void ConvSubsetEqualsTheSameComponentsOfTheFullStack()
    {
        var rng = new Rng(4);
        var comps = new ConvComponents(4, 2, 3, 3, rng);
        var x = Tensor.Uniform(new Shape(2, 2, 7, 7), -1, 1, rng);
        var full = comps.Forward(x, default).Stacked;   // [2, 4, 3*5*5]
        var sub = comps.Forward(x, [1, 3]).Stacked;     // [2, 2, 75]
        for (int n = 0; n < 2; n++)
        {
            TensorAssert.Close(full.Span.Slice(((n * 4) + 1) * 75, 75), sub.Span.Slice(((n * 2) + 0) * 75, 75), 1e-6, 1e-6, "component 1");
            TensorAssert.Close(full.Span.Slice(((n * 4) + 3) * 75, 75), sub.Span.Slice(((n * 2) + 1) * 75, 75), 1e-6, 1e-6, "component 3");
        }
    }

    [Fact]
    public void LearnedRouterTrainsAllComponentsAndItsLogits()
    {
        var rng = new Rng(5);
        var comps = new MlpComponents(3, [4, 2], outputRelu: false, rng);
        var router = new GumbelMatrixRouter(2, 3, 0.5f);
        var layer = new RoutedLayer(comps, router);
        var x = Tensor.Uniform(new Shape(5, 4), -1, 1, rng);
        var y = layer.Forward(x, new RoutingContext(1, true, 1f, new Rng(9)));
        Autograd.Backward(Ops.Sum(Ops.Square(y)));
        float[] g = router.Logits!.Grad!.ToArray();
        Assert.Contains(g.Skip(6), v => v != 0f);      // task 1's logits get gradient
        Assert.All(g.Take(6), v => Assert.Equal(0f, v)); // task 0's do not
    }

    [Fact]
    public void GradientsThroughASharedBottomLayerMatchFiniteDifferences()
    {
        var rng = new Rng(6);
        var comps = new MlpComponents(2, [3, 4, 2], outputRelu: false, rng);
        var layer = new RoutedLayer(comps, FixedRouter.SharedBottom(1, 2));
        var x = Tensor.Uniform(new Shape(3, 3), -1, 1, rng);
        x.RequiresGrad = true;
        var ps = comps.Parameters().Select(p => p.Value).ToArray();
        GradCheck.Check("RoutedLayer", i => layer.Forward(i[0], new RoutingContext(0, true, 1f, new Rng(0))), [x, .. ps], eps: 1e-3f);
    }

    [Fact]
    public void NetworkTagsParameterKinds()
    {
        var rng = new Rng(7);
        var net = new RoutedNetwork(
            [new RoutedLayer(new MlpComponents(2, [3, 4], true, rng), new GumbelMatrixRouter(2, 2))],
            new TaskHeads(2, 4, 1, rng),
            0f,
            2);
        var named = net.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Kind);
        Assert.Equal(ParameterKind.Routing, named["stage0.router.logits"]);
        Assert.Equal(ParameterKind.Task(1), named["heads.weight1"]);
        Assert.Equal(ParameterKind.Shared, named["stage0.components.weight0"]);
        Assert.Single(net.RouterLogits);
        Assert.Equal([[1, 1], [1, 1]], net.Allocations()[0]);
    }
}
