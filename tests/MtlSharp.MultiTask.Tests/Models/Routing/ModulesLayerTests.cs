using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Routing;

/// <summary>
/// The Omniglot layer's component kinds (spec A10(e)): convolution sequences with GroupNorm and ReLU after each op
/// ('same' padding, stride on the last op), 3×3 pooling, identity and its strided 1×1 form — shapes and
/// finite-difference gradients — and the network the configuration builds from them.
/// </summary>
public sealed class ModulesLayerTests
{
    private static readonly ComponentSpec[] SevenKinds =
    [
        new(ComponentKind.Conv, [(3, 3), (3, 3)], 0),
        new(ComponentKind.Conv, [(5, 5), (5, 5)], 0),
        new(ComponentKind.Conv, [(7, 7), (7, 7)], 0),
        new(ComponentKind.Conv, [(1, 7), (7, 1)], 0),
        new(ComponentKind.MaxPool, [], 3),
        new(ComponentKind.AvgPool, [], 3),
        new(ComponentKind.Identity, [], 0),
    ];

    private static RoutedModelSpec Spec(RouterKind router, int filters, params int[] strides)
    {
        var layers = new List<LayerSpec> { new SharedConvLayerSpec(filters, 1, 1, 1, PaddingMode.Same, 2) };
        foreach (int s in strides)
        {
            layers.Add(new ModulesLayerSpec(SevenKinds, filters, s, 2));
            layers.Add(new NormLayerSpec(2, true));
        }

        return new RoutedModelSpec { Router = router, Layers = layers, PInit = 0.97f, Dropout = 0.5f };
    }

    [Theory]
    [InlineData(9, 1, 9)]
    [InlineData(9, 2, 5)]
    [InlineData(105, 2, 53)]
    [InlineData(53, 2, 27)]
    public void ConvSequencesKeepTheSizeOrHalveItRoundingUp(int size, int stride, int expected)
    {
        var rng = new Rng(3);
        var x = Tensor.Uniform(new Shape(2, 3, size, size), 0, 1, rng);
        foreach (var kernels in new[] { new[] { (3, 3), (3, 3) }, [(7, 7), (7, 7)], [(1, 7), (7, 1)] })
        {
            var seq = new ConvSequence(3, 4, kernels, stride, 2, rng);
            Assert.Equal(new Shape(2, 4, expected, expected), seq.Forward(x).Shape);
        }

        Assert.Equal(new Shape(2, 3, expected, expected), Ops.MaxPool2d(x, 3, stride, PaddingMode.Same).Shape);
        Assert.Equal(new Shape(2, 3, expected, expected), Ops.AvgPool2d(x, 3, stride, PaddingMode.Same).Shape);
    }

    [Theory]
    [InlineData(3, 3, 1)]
    [InlineData(7, 7, 2)]
    [InlineData(1, 7, 2)]
    [InlineData(7, 1, 1)]
    [InlineData(5, 5, 2)]
    public void ConvSequenceGradientsMatchFiniteDifferences(int kh, int kw, int stride)
    {
        // conv kh×kw → GN(2) → conv kw×kh (strided) → GN(2), 'same' padding; the ReLUs are left out here because
        // their kinks break central differences (ReLU's own gradient is checked in the Tensors tests).
        var rng = new Rng(7);
        var seq = new ConvSequence(2, 4, [(kh, kw), (kw, kh)], stride, 2, rng, relu: false);
        var x = Tensor.Uniform(new Shape(2, 2, 7, 7), -1, 1, rng);
        x.RequiresGrad = true;
        var ps = seq.Parameters().Select(p => p.Value).ToArray();
        GradCheck.Check($"ConvSequence {kh}x{kw}/{stride}", i => seq.Forward(i[0]), [x, .. ps], eps: 1e-3f, atol: 3e-3, rtol: 3e-2);

        var withRelu = new ConvSequence(2, 4, [(kh, kw), (kw, kh)], stride, 2, new Rng(7), relu: true);
        Assert.All(withRelu.Forward(x).ToArray(), v => Assert.True(v >= 0f));
    }

    [Theory]
    [InlineData(2, 7, 7, 2)]
    [InlineData(2, 1, 7, 2)]
    [InlineData(2, 7, 1, 2)]
    [InlineData(16, 7, 7, 2)]
    [InlineData(16, 1, 7, 2)]
    [InlineData(16, 7, 1, 2)]
    [InlineData(16, 7, 7, 1)]
    [InlineData(16, 5, 5, 2)]
    [InlineData(16, 3, 3, 2)]
    [InlineData(16, 1, 1, 2)]
    public void TheOmniglotKernelsWithSamePaddingAndStrideMatchFiniteDifferences(int channels, int kh, int kw, int stride)
    {
        // Under 16 input channels the engine takes its direct path, from 16 the GEMM ones (polyphase when strided):
        // both, on an odd size so 'same' pads unevenly.
        var rng = new Rng(5);
        var x = Tensor.Uniform(new Shape(2, channels, 7, 7), -1, 1, rng);
        var w = Tensor.Uniform(new Shape(3, channels, kh, kw), -0.5f, 0.5f, rng);
        var b = Tensor.Uniform(new Shape(3), -1, 1, rng);
        x.RequiresGrad = true;
        w.RequiresGrad = true;
        b.RequiresGrad = true;
        var y = Ops.Conv2d(x, w, b, stride, stride, PaddingMode.Same);
        Assert.Equal(new Shape(2, 3, (7 + stride - 1) / stride, (7 + stride - 1) / stride), y.Shape);
        GradCheck.Check($"conv {channels}ch {kh}x{kw}/{stride} same", i => Ops.Conv2d(i[0], i[1], i[2], stride, stride, PaddingMode.Same), [x, w, b], eps: 1e-2f);
    }

    [Fact]
    public void StridedIdentityIsALinearStrided1x1ConvolutionWithoutNorm()
    {
        var rng = new Rng(8);
        var id = new ConvSequence(3, 3, [(1, 1)], 2, 0, rng, PaddingMode.Same, relu: false);
        Assert.Equal(2, id.Parameters().Count);                       // kernel and (zero) bias, no norm
        var x = Tensor.Uniform(new Shape(1, 3, 5, 5), -1, 1, rng);
        var y = id.Forward(x);
        Assert.Equal(new Shape(1, 3, 3, 3), y.Shape);
        Assert.Contains(y.ToArray(), v => v < 0);                      // no ReLU
        var twice = id.Forward(Ops.Scale(x, 2f));
        TensorAssert.Close(Ops.Scale(y, 2f), twice, 1e-5, 1e-5, "linear");
        x.RequiresGrad = true;
        GradCheck.Check("strided identity", i => id.Forward(i[0]), [x, .. id.Parameters().Select(p => p.Value)], eps: 1e-3f);
    }

    [Fact]
    public void TheConfigurationBuildsTheSevenKindsInComponentOrder()
    {
        var net = ConfigRunBuilder.Network(Spec(RouterKind.SharedBottom, 4, 2), ["a"], [3], [1, 6, 6], null, new Rng(9));
        var layer = net.RoutedLayers[0];
        Assert.Equal(7, layer.Count);
        var ps = layer.NamedParameters();
        Assert.Equal((4 * 6) + 2, ps.Count);   // 4 conv seqs of 2 × (kernel, norm scale, norm shift) + the strided identity's kernel and bias
        Assert.Equal([9, 9, 25, 25, 49, 49, 7, 7, 1], ps.Where(p => p.Parameter.Value.Rank == 4).Select(p => p.Parameter.Value.Shape[2] * p.Parameter.Value.Shape[3]));
        Assert.DoesNotContain(ps, p => p.Name.Contains("component4", StringComparison.Ordinal) || p.Name.Contains("component5", StringComparison.Ordinal));
    }

    [Fact]
    public void TheSevenKindsInOneStridedLayerMatchFiniteDifferences()
    {
        // The layer as the configuration builds it, minus the ReLUs (their kinks break central differences).
        var rng = new Rng(9);
        var comps = new ModuleComponents(
            new ConvSequence(4, 4, [(3, 3), (3, 3)], 2, 2, rng, relu: false),
            new ConvSequence(4, 4, [(5, 5), (5, 5)], 2, 2, rng, relu: false),
            new ConvSequence(4, 4, [(7, 7), (7, 7)], 2, 2, rng, relu: false),
            new ConvSequence(4, 4, [(1, 7), (7, 1)], 2, 2, rng, relu: false),
            FunctionStage.MaxPool(3, 2, PaddingMode.Same),
            FunctionStage.AvgPool(3, 2, PaddingMode.Same),
            new ConvSequence(4, 4, [(1, 1)], 2, 0, rng, relu: false));
        var layer = new RoutedLayer(comps, new GumbelMatrixRouter(2, 7, 0.97f));
        var x = Tensor.Uniform(new Shape(2, 4, 6, 6), -1, 1, rng);
        x.RequiresGrad = true;
        var ps = comps.Parameters().Select(p => p.Value).ToArray();   // not the router's logits: straight-through, hard forward
        Assert.Equal(new Shape(2, 4, 3, 3), layer.Forward(x, new RoutingContext(1, false, 1f, new Rng(0))).Shape);
        GradCheck.Check("modules layer", i => layer.Forward(i[0], new RoutingContext(1, true, 1f, new Rng(0))), [x, .. ps], eps: 1e-3f, atol: 3e-3, rtol: 3e-2, maxElementsPerInput: 60);
    }

    [Fact]
    public void TheOmniglotNetworkHasTheSpecsShapesAndStrides()
    {
        var m = Spec(RouterKind.Gumbel, 48, 2, 2, 1, 2, 2, 1, 2, 1);
        var net = ConfigRunBuilder.Network(m, Enumerable.Range(0, 20).Select(i => $"t{i}").ToArray(), Enumerable.Repeat(20, 20).ToArray(), [1, 105, 105], null, new Rng(1));
        Assert.Equal(8, net.RoutedLayers.Count);
        Assert.All(net.RoutedLayers, l => Assert.Equal(7, l.Count));
        Assert.All(net.Probabilities().SelectMany(l => l).SelectMany(r => r), p => Assert.Equal(0.97, p, 5));
        using var _ = MtlSharp.Tensors.Autodiff.Autograd.NoGrad();
        var x = Tensor.Zeros(1, 1, 105, 105);
        var y = net.Forward(x, new RoutingContext(0, false, 1f, new Rng(0)));
        Assert.Equal(new Shape(1, 20), y.Shape);
        // 105 → 53 → 27 → 27 → 14 → 7 → 7 → 4 → 4: the heads take 4·4·48 = 768 features.
        var head = net.NamedParameters().First(p => p.Name.StartsWith("heads", StringComparison.Ordinal) && p.Parameter.Value.Rank == 2).Parameter;
        Assert.Equal(768, head.Value.Shape[1]);
    }

    [Fact]
    public void SingleTaskReplicatesEveryParameterisedStagePerTaskAndTasksTouchOnlyTheirOwn()
    {
        var shared = ConfigRunBuilder.Network(Spec(RouterKind.SharedBottom, 4, 2, 1), ["a", "b", "c"], [5, 5, 5], [1, 8, 8], null, new Rng(2));
        var single = ConfigRunBuilder.Network(Spec(RouterKind.SingleTask, 4, 2, 1), ["a", "b", "c"], [5, 5, 5], [1, 8, 8], null, new Rng(2));
        long heads = shared.NamedParameters().Where(p => p.Name.StartsWith("heads", StringComparison.Ordinal)).Sum(p => (long)p.Parameter.Value.Length);
        Assert.Equal((3 * (shared.ParameterCount() - heads)) + heads, single.ParameterCount());

        var x = Tensor.Uniform(new Shape(2, 1, 8, 8), 0, 1, new Rng(3));
        var loss = Ops.Sum(single.Forward(x, new RoutingContext(1, true, 1f, new Rng(0))));
        MtlSharp.Tensors.Autodiff.Autograd.Backward(loss);
        foreach (var (name, p) in single.NamedParameters().Where(p => !p.Name.StartsWith("heads", StringComparison.Ordinal)))
        {
            bool touched = p.HasGrad && p.Value.Grad!.ToArray().Any(v => v != 0f);
            // Task 1's copies are member1 (routed layers) or component1 (replicated shared stages).
            bool own = name.Contains("member1.", StringComparison.Ordinal) || name.Contains("component1.", StringComparison.Ordinal);
            if (!own)
            {
                Assert.False(touched, $"{name} got a gradient from task 1");
            }
        }

        Assert.Contains(single.NamedParameters(), p => p.Parameter.HasGrad && p.Parameter.Value.Grad!.ToArray().Any(v => v != 0f));
    }

    [Fact]
    public void MismatchedChannelsOfPoolingAndConvComponentsAreReported()
    {
        var m = new RoutedModelSpec { Router = RouterKind.SharedBottom, Layers = [new ModulesLayerSpec(SevenKinds, 8, 1, 2)] };
        var e = Assert.Throws<ArgumentException>(() => ConfigRunBuilder.Network(m, ["a"], [2], [4, 6, 6], null, new Rng(0)));
        Assert.Contains("model.layers[0]", e.Message);
        Assert.Contains("filters must be 4", e.Message);
    }
}
