using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using Xunit.Abstractions;
using static MtlSharp.Export.Tests.OnnxHarness;

namespace MtlSharp.Export.Tests;

/// <summary>
/// The Omniglot network's modules one at a time (a one-stage routed network without heads, so the stage's output is
/// the graph's): GroupNorm (ε included), 'same' padding with asymmetric pads (even kernels, stride 2 on odd sizes)
/// for convolution sequences, max pooling (padding never wins) and average pooling (padding not counted), in ONNX
/// Runtime against MtlSharp's ops.
/// </summary>
public sealed class ModuleExportTests(ITestOutputHelper log)
{
    private static readonly TaskInfo[] One = [new("out", TaskKind.Regression, 1, "mse", MetricDirection.LowerIsBetter)];

    [Theory]
    [InlineData(4, 8, 1e-5f)]
    [InlineData(2, 6, 1e-3f)]
    [InlineData(1, 3, 0.5f)]
    public void GroupNormMatchesWithItsEpsilon(int groups, int channels, float eps)
    {
        var norm = new GroupNorm(groups, channels, eps);
        Perturb(norm, 41);
        var x = Images(5, channels, 7, 6, 42);
        Span<float> xs = x.Span;
        int per = channels / groups * 7 * 6;
        for (int i = 0; i < per; i++)
        {
            xs[i] *= 3e-3f;         // example 0, group 0: variance about 1e-6, so ε matters
            xs[per + i] = 0.5f;     // the next group (or example): constant, variance 0
        }

        var model = ExportAndCompare(norm, x);
        string added = Proto(model).Graph.Node.Single(n => n.OpType == "Add" && n.Name.EndsWith("/epsilon", StringComparison.Ordinal)).Input[1];
        Assert.Equal((double)eps, Assert.Single(Proto(model).Graph.Initializer.Single(i => i.Name == added).DoubleData));

        // The data is such that ε changes the result: another ε would not match.
        var other = new GroupNorm(groups, channels, eps * 10);
        norm.Weight!.Value.Span.CopyTo(other.Weight!.Data);
        norm.Bias!.Value.Span.CopyTo(other.Bias!.Data);
        float[] a = Forward(norm, x), b = Forward(other, x);
        Assert.True(a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public void GroupNormOfFlatFeaturesMatches()
    {
        var norm = new GroupNorm(3, 12);
        Perturb(norm, 43);
        var model = ExportAndCompare(norm, Tensor.Uniform(new Shape(4, 12), -2f, 3f, new Rng(44)));
        Assert.Equal([12L], Proto(model).Graph.Initializer.Single(i => i.Name == "stage0.weight").Dims);
    }

    [Fact]
    public void NormStageWithReluMatches()
    {
        var stage = new NormStage(4, 8, relu: true);
        Perturb(stage, 45);
        var model = ExportAndCompare(stage, Images(3, 8, 5, 5, 46));
        Assert.Equal(1, Count(model, "Relu"));
        Assert.Equal([8L, 1, 1], Proto(model).Graph.Initializer.Single(i => i.Name == "stage0.norm.bias").Dims);
    }

    // (kernels, stride, input height × width, expected pads of the last op [top, left, bottom, right])
    [Theory]
    [InlineData("2x2,4x3", 2, 9, 7, new long[] { 1, 1, 2, 1 })]      // even kernels, stride 2 on odd sizes
    [InlineData("3x3,3x3", 2, 18, 18, new long[] { 0, 0, 1, 1 })]    // the Omniglot layer's 18 → 9
    [InlineData("1x7,7x1", 2, 9, 9, new long[] { 3, 0, 3, 0 })]
    [InlineData("2x2", 1, 6, 5, new long[] { 0, 0, 1, 1 })]
    public void ConvSequenceWithAsymmetricSamePaddingMatches(string kernels, int stride, int h, int w, long[] lastPads)
    {
        var ks = kernels.Split(',').Select(k => (int.Parse(k.Split('x')[0]), int.Parse(k.Split('x')[1]))).ToArray();
        var seq = new ConvSequence(3, 4, ks, stride, 2, new Rng(47));
        Perturb(seq, 48);
        var x = Images(3, 3, h, w, 49);
        var model = ExportAndCompare(seq, x);
        var convs = Proto(model).Graph.Node.Where(n => n.OpType == "Conv").ToArray();
        Assert.Equal(ks.Length, convs.Length);
        Assert.Equal(lastPads, convs[^1].Attribute.Single(a => a.Name == "pads").Ints);
        Assert.Equal([(long)stride, stride], convs[^1].Attribute.Single(a => a.Name == "strides").Ints);
        Assert.All(convs, c => Assert.Equal(2, c.Input.Count));                 // GroupNorm follows: no conv bias
        Assert.Equal(ks.Length, Count(model, "Reciprocal"));   // one GroupNorm per op
        Assert.Equal(ks.Length, Count(model, "Relu"));
        Assert.Equal(3 * 4 * ((h + stride - 1) / stride) * ((w + stride - 1) / stride), Forward(seq, x).Length);
    }

    [Fact]
    public void StridedIdentityIsABiasedOneByOneConvAlone()
    {
        var seq = new ConvSequence(4, 6, [(1, 1)], 2, 0, new Rng(50), PaddingMode.Same, relu: false);
        Perturb(seq, 51);
        var model = ExportAndCompare(seq, Images(2, 4, 9, 8, 52));
        var conv = Op(model, "Conv");
        Assert.Equal(2, Proto(model).Graph.Node.Count);   // the Conv and the output's Identity
        Assert.Equal(3, conv.Input.Count);
        Assert.Equal([0L, 0, 0, 0], conv.Attribute.Single(a => a.Name == "pads").Ints);
    }

    [Fact]
    public void ValidPaddingConvSequenceMatches()
    {
        var seq = new ConvSequence(2, 4, [(3, 2), (2, 3)], 2, 0, new Rng(53), PaddingMode.Valid);
        Perturb(seq, 54);
        ExportAndCompare(seq, Images(2, 2, 10, 9, 55));
    }

    // Inputs all negative: a max pool that padded with zeros would give 0 at the borders.
    [Theory]
    [InlineData(3, 2, 18, 18)]
    [InlineData(3, 2, 9, 9)]
    [InlineData(2, 2, 7, 5)]
    [InlineData(3, 1, 5, 6)]
    [InlineData(4, 3, 7, 8)]
    public void SamePoolingMatches(int kernel, int stride, int h, int w)
    {
        var x = Tensor.Uniform(new Shape(3, 2, h, w), -3f, -0.5f, new Rng(56));
        var max = ExportAndCompare(FunctionStage.MaxPool(kernel, stride, PaddingMode.Same), x);
        var avg = ExportAndCompare(FunctionStage.AvgPool(kernel, stride, PaddingMode.Same), x);
        var (_, top, bottom) = ModuleGraph.Padding(h, kernel, stride, PaddingMode.Same);
        var (_, left, right) = ModuleGraph.Padding(w, kernel, stride, PaddingMode.Same);
        Assert.Equal([(long)top, left, bottom, right], Op(max, "MaxPool").Attribute.Single(a => a.Name == "pads").Ints);
        Assert.Equal([(long)top, left, bottom, right], Op(avg, "AveragePool").Attribute.Single(a => a.Name == "pads").Ints);
        Assert.Equal(0, Op(avg, "AveragePool").Attribute.Single(a => a.Name == "count_include_pad").I);
    }

    [Theory]
    [InlineData(9, 1, 2, 5, 0, 0)]
    [InlineData(18, 3, 2, 9, 0, 1)]
    [InlineData(9, 2, 2, 5, 0, 1)]
    [InlineData(8, 7, 2, 4, 2, 3)]
    [InlineData(5, 1, 1, 5, 0, 0)]
    [InlineData(9, 4, 1, 9, 1, 2)]
    public void PaddingIsMtlSharpsSamePadding(int input, int kernel, int stride, int output, int before, int after)
    {
        var p = ModuleGraph.Padding(input, kernel, stride, PaddingMode.Same);
        Assert.Equal((output, before, after), p);
        Assert.Equal(output, Ops.SpatialOutputSize(input, kernel, stride, PaddingMode.Same));
    }

    private static MtlSharp.Export.Onnx.NodeProto Op(OnnxModel model, string type) => Proto(model).Graph.Node.Single(n => n.OpType == type);

    private static Tensor Images(int n, int c, int h, int w, ulong seed) => Tensor.Uniform(new Shape(n, c, h, w), -1.5f, 2f, new Rng(seed));

    private static float[] Forward(Module<Tensor, Tensor> module, Tensor x)
    {
        module.Eval();
        using var _ = Autograd.NoGrad();
        return module.Forward(x).ToArray();
    }

    /// <summary>Exports <paramref name="module"/> as the only stage of a network without heads and compares ONNX Runtime's output with MtlSharp's.</summary>
    private OnnxModel ExportAndCompare(Module<Tensor, Tensor> module, Tensor x)
    {
        var network = new RoutedNetwork([module], null, 0f, 1);
        int[] sample = x.Shape.ToArray()[1..];
        var model = OnnxExporter.Export(network, sample, One);
        var (actual, shape) = Run(model.ToArray(), model.InputName, x.ToArray(), x.Shape.ToArray())["out"];
        float[] expected = Reference(network, x, 0);
        Assert.Equal(Forward(module, x), expected);
        double max = AssertClose(expected, actual, module.GetType().Name);
        Assert.Equal(x.Shape[0], shape[0]);
        log.WriteLine($"{module.GetType().Name} [{string.Join(", ", sample)}]: max |ONNX - MtlSharp| = {max:G3}");
        return model;
    }
}
