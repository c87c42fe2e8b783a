using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Experts;

/// <summary>Cross-stitch and sluice units over conv columns: gradients, reductions to known networks, the penalty.</summary>
public sealed class ConvStitchNetworkTests
{
    private static readonly TaskTargets Dummy = new(new int[1], null);

    // [2, 7, 7] → conv 4@3x3 [4, 5, 5] → maxpool 2 [4, 2, 2] (unit 0) → conv 2@2x2 [2, 1, 1] (unit 1)
    // → mlp [4] (unit 2) → mlp [4] (unit 3): every stage kind, a conv without pooling, two units of one shape for β.
    private static ConvColumns Columns(Rng rng) =>
        new ConvColumns(2, [2, 7, 7]).AddConv(4, 3, rng).AddMaxPool(2, 2).AddConv(2, 2, rng).AddMlp([4], true, rng).AddMlp([4], true, rng);

    private static void Jitter(Module module, ulong seed, float scale)
    {
        var rng = new Rng(seed);
        foreach (var p in module.Parameters())
        {
            var noise = Tensor.Uniform(p.Shape, -scale, scale, rng).Span;
            for (int i = 0; i < p.Data.Length; i++)
            {
                p.Data[i] += noise[i];
            }
        }
    }

    [Fact]
    public void UnitsSitAfterPoolingAfterAConvWithoutPoolingAndAfterEveryMlp()
    {
        var columns = Columns(new Rng(1));
        Assert.Equal([1, 2, 3, 4], columns.UnitPoints());
        Assert.Equal([4, 2, 2], columns.ShapeAfter(1));
        Assert.Equal([2, 1, 1], columns.ShapeAfter(2));
        // Pooling the shared input comes before the columns exist: no unit there.
        Assert.Equal([1], new ConvColumns(2, [1, 8, 8]).AddMaxPool(2, 2).AddConv(3, 3, new Rng(2)).UnitPoints());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void GradientsMatchFiniteDifferencesThroughAlphaBetaAndKernels(bool sluice, bool channelWise)
    {
        ExpertNetwork network = sluice
            ? new ConvSluiceNetwork(Columns(new Rng(11)), 2, layerMixing: true, orthogonality: 0.5f, [], [2, 1], new Rng(12))
            : new ConvCrossStitchNetwork(Columns(new Rng(11)), 0.8f, [], [2, 1], new Rng(12), channelWise);
        Jitter(network, 13, 0.2f);   // biases, α and β off their initial values (channel-wise: every channel's α differently)
        if (channelWise)
        {
            // One α [C, T, T] per unit: 4 pooled maps, 2 maps of a conv without pooling, two mlp units of 4.
            var alphas = network.NamedParameters().Where(p => p.Name.StartsWith("alpha", StringComparison.Ordinal)).Select(p => p.Parameter.Shape).ToArray();
            Assert.Equal([new Shape(4, 2, 2), new Shape(2, 2, 2), new Shape(4, 2, 2), new Shape(4, 2, 2)], alphas);
        }

        var model = new ExpertModel(network, ["a", "b"]);
        var x = Tensor.Uniform(new Shape(3, 2, 7, 7), -1, 1, new Rng(14));
        var batch = new MultiTaskBatch(Enumerable.Range(0, 2).Select(t => new TaskBatch(t, new TensorInput(x), Dummy)).ToArray());
        var parameters = network.Parameters().Select(p => p.Value).ToArray();
        Assert.Contains(network.NamedParameters(), p => p.Name == "columns.stage0.weight");   // kernels are checked too
        var context = new ForwardContext(0, true, new Rng(0), 1f);
        GradCheck.Check(sluice ? "conv-sluice" : channelWise ? "conv-cross-stitch-channel-wise" : "conv-cross-stitch", _ => Ops.Concat([.. model.Forward(batch, context)], 1), parameters, 15, eps: 1e-4f, atol: 2e-3, rtol: 2e-2);
        if (sluice)
        {
            GradCheck.Check("conv-sluice-orthogonality", _ => Ops.Reshape(model.Regularizers.Single().Compute(batch, context)!, 1, 1), parameters, 16, eps: 1e-3f);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WithIdentityAlphaItIsSeparateConvNetworksWithTheSameWeights(bool channelWise)
    {
        var network = new ConvCrossStitchNetwork(Columns(new Rng(21)), 1f, [], [3, 2], new Rng(22), channelWise);
        Jitter(network, 23, 0.05f);
        for (int u = 0; u < network.Units; u++)
        {
            var alpha = network.Alpha(u).Data;
            for (int c = 0; c < alpha.Length / 4; c++)   // every channel's α the identity
            {
                float[] identity = [1, 0, 0, 1];
                identity.CopyTo(alpha[(c * 4)..]);
            }
        }

        var p = network.NamedParameters().ToDictionary(q => q.Name, q => q.Parameter.Value);
        var x = Tensor.Uniform(new Shape(5, 2, 7, 7), -1, 1, new Rng(24));
        var outputs = network.Forward(x, [0, 1]);
        for (int t = 0; t < 2; t++)
        {
            // Task t's own LeNet-like network: its slices of every stage's parameters, nothing of the other task's.
            Tensor Kernel(string stage, int filters) => Ops.Slice(p[$"columns.{stage}.weight"], 0, t * filters, filters);
            Tensor Bias(string stage, int filters) => Ops.Slice(p[$"columns.{stage}.bias"], 0, t * filters, filters);
            Tensor Dense(Tensor h, string stage, int fin, int fout) => Ops.Relu(Ops.Add(
                Ops.MatMul(h, Ops.Reshape(Ops.Slice(p[$"columns.{stage}.weight0"], 0, t, 1), fin, fout)),
                Ops.Reshape(Ops.Slice(p[$"columns.{stage}.bias0"], 0, t, 1), fout)));
            var h = Ops.Conv2dRelu(x, Kernel("stage0", 4), Bias("stage0", 4));
            h = Ops.MaxPool2d(h, 2, 2);
            h = Ops.Conv2dRelu(h, Kernel("stage2", 2), Bias("stage2", 2));
            var f = Dense(Ops.Flatten(h, 1), "stage3", 2, 4);
            f = Dense(f, "stage4", 4, 4);
            var expected = Ops.Linear(f, p[$"towers.weight{t}"], p[$"towers.bias{t}"]);
            Assert.Equal(expected.Shape, outputs[t].Shape);
            TensorAssert.Close(expected.Span, outputs[t].Span, 1e-6, 1e-5, $"task {t}");
        }
    }

    [Fact]
    public void ChannelWiseWithEveryChannelAlikeIsTheSharedAlphaNetwork()
    {
        var shared = new ConvCrossStitchNetwork(Columns(new Rng(25)), 0.9f, [3], [2, 3], new Rng(26));
        var channelWise = new ConvCrossStitchNetwork(Columns(new Rng(27)), 0.9f, [3], [2, 3], new Rng(28), channelWise: true);
        Jitter(shared, 29, 0.1f);   // α off its initial value too
        var to = channelWise.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, p) in shared.NamedParameters())
        {
            var target = to[name].Data;
            for (int k = 0; k < target.Length; k += p.Length)   // α [T, T] copied into each channel of α [C, T, T]
            {
                p.Data.CopyTo(target[k..]);
            }
        }

        var x = Tensor.Uniform(new Shape(4, 2, 7, 7), -1, 1, new Rng(30));
        var a = shared.Forward(x, [0, 1]);
        var b = channelWise.Forward(x, [0, 1]);
        for (int t = 0; t < 2; t++)
        {
            TensorAssert.Close(a[t].Span, b[t].Span, 1e-6, 1e-5, $"task {t}");
        }

        // One channel's α changed changes the outputs (the channels are mixed separately).
        channelWise.Alpha(0).Data[(3 * 4) + 1] += 0.5f;   // pooled map 3: task 0 takes more from task 1
        Assert.NotEqual(a[0].ToArray(), channelWise.Forward(x, [0, 1])[0].ToArray());
    }

    [Fact]
    public void ChannelWiseAlphaIsReportedAsItsMeanOverChannelsAndTheirSpread()
    {
        var network = new ConvCrossStitchNetwork(new ConvColumns(2, [1, 4, 4]).AddConv(3, 3, new Rng(81)), 0.9f, [], [2, 2], new Rng(82), channelWise: true);
        Assert.Equal(new Shape(3, 2, 2), network.Alpha(0).Shape);
        TensorAssert.Close([0.9f, 0.1f, 0.1f, 0.9f, 0.9f, 0.1f, 0.1f, 0.9f, 0.9f, 0.1f, 0.1f, 0.9f], network.Alpha(0).Data, 1e-6, 0, "initial α");   // every channel as the shared α
        float[] values = [0.6f, 0.4f, 0.2f, 0.8f, /* c1 */ 0.9f, 0.1f, 0.5f, 0.5f, /* c2 */ 0.3f, 0.7f, 0.2f, 0.8f];
        values.CopyTo(network.Alpha(0).Data);
        var stats = network.CreateGateStatistics();
        network.Forward(Tensor.Uniform(new Shape(3, 1, 4, 4), -1, 1, new Rng(83)), [0, 1], stats);
        var matrices = network.GateMatrices(stats, ["a", "b"]);
        Assert.Equal(2, matrices.Count);   // the unit's mean α (from the statistics), then its spread over channels
        Assert.Equal(1, stats.Count);
        Assert.Equal((0.6 + 0.9 + 0.3) / 3, matrices[0].Values[0][0], 1e-6);
        Assert.Equal((0.2 + 0.5 + 0.2) / 3, matrices[0].Values[1][0], 1e-6);
        Assert.Contains("mean over its channels", matrices[0].Name, StringComparison.Ordinal);
        double mean = (0.4 + 0.1 + 0.7) / 3;
        double std = Math.Sqrt((Math.Pow(0.4 - mean, 2) + Math.Pow(0.1 - mean, 2) + Math.Pow(0.7 - mean, 2)) / 3);
        Assert.Equal(std, matrices[1].Values[0][1], 1e-6);
        Assert.Equal(0.0, matrices[1].Values[1][1] - Math.Sqrt((Math.Pow(0.8 - 0.7, 2) + Math.Pow(0.5 - 0.7, 2) + Math.Pow(0.8 - 0.7, 2)) / 3), 1e-6);
        Assert.Contains("standard deviation over its 3 channels", matrices[1].Name, StringComparison.Ordinal);
    }

    [Fact]
    public void SluiceWithOneSubspaceAndNoBetaIsTheConvCrossStitchNetwork()
    {
        var sluice = new ConvSluiceNetwork(Columns(new Rng(31)), 1, layerMixing: false, orthogonality: 0f, [3], [2, 3], new Rng(32));
        var stitch = new ConvCrossStitchNetwork(Columns(new Rng(33)), 0.9f, [3], [2, 3], new Rng(34));
        Jitter(sluice, 35, 0.1f);   // α off its initial value too
        var to = stitch.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        Assert.Equal(to.Keys.Order(), sluice.NamedParameters().Select(p => p.Name).Order());   // columns.*, alpha{u}, towers.*
        foreach (var (name, p) in sluice.NamedParameters())
        {
            p.Data.CopyTo(to[name].Data);
        }

        var x = Tensor.Uniform(new Shape(4, 2, 7, 7), -1, 1, new Rng(36));
        var a = sluice.Forward(x, [0, 1]);
        var b = stitch.Forward(x, [0, 1]);
        for (int t = 0; t < 2; t++)
        {
            TensorAssert.Close(b[t].Span, a[t].Span, 1e-6, 1e-5, $"task {t}");
        }
    }

    [Fact]
    public void TheSluiceUnitMixesChannelGroups()
    {
        // One conv stage of 4 channels, S = 2 (groups: channels 0–1 and 2–3): task 0's first group takes task 1's second.
        var network = new ConvSluiceNetwork(new ConvColumns(2, [1, 4, 4]).AddConv(4, 3, new Rng(41)), 2, layerMixing: false, orthogonality: 0f, [], [2, 2], new Rng(42));
        Jitter(network, 43, 0.1f);
        var alpha = network.Alpha(0).Data;
        alpha.Clear();
        for (int r = 0; r < 4; r++)
        {
            alpha[(r * 4) + r] = 1f;
        }

        alpha[0] = 0f;
        alpha[3] = 1f;   // row (t0, g0) ← (t1, g1)
        var p = network.NamedParameters().ToDictionary(q => q.Name, q => q.Parameter.Value);
        var x = Tensor.Uniform(new Shape(3, 1, 4, 4), -1, 1, new Rng(44));
        var all = Ops.Conv2dRelu(x, p["columns.stage0.weight"], p["columns.stage0.bias"]);   // [N, 8, 2, 2]: task 0's 4 channels, then task 1's
        var mixed0 = Ops.Concat([Ops.Slice(all, 1, 6, 2), Ops.Slice(all, 1, 2, 2)], 1);   // (t1, g1) then t0's own g1
        var expected = Ops.Linear(Ops.Flatten(mixed0, 1), p["towers.weight0"], p["towers.bias0"]);
        TensorAssert.Close(expected.Span, network.Forward(x, 0).Span, 1e-6, 1e-5, "task 0");
    }

    [Fact]
    public void TheOrthogonalityPenaltySplitsEveryKernelByOutputChannels()
    {
        var network = new ConvSluiceNetwork(new ConvColumns(2, [2, 3, 3]).AddConv(4, 2, new Rng(51)), 2, layerMixing: false, orthogonality: 1f, [], [2, 2], new Rng(52));
        var w = network.NamedParameters().Single(q => q.Name == "columns.stage0.weight").Parameter.Data.ToArray();   // [T·4, 2, 2, 2]
        const int Per = 2 * 2 * 2;
        double expected = 0;
        for (int t = 0; t < 2; t++)
        {
            // Rows = output channels (flattened kernels); subspace 0 = channels 0–1, 1 = channels 2–3: ‖W₀ᵀW₁‖²_F.
            for (int i = 0; i < Per; i++)
            {
                for (int j = 0; j < Per; j++)
                {
                    double cross = 0;
                    for (int u = 0; u < 2; u++)
                    {
                        cross += w[(((t * 4) + u) * Per) + i] * (double)w[(((t * 4) + u + 2) * Per) + j];
                    }

                    expected += cross * cross;
                }
            }
        }

        Assert.Equal(expected, network.OrthogonalityPenalty().Item(), 1e-5);
    }

    [Fact]
    public void ShapesThatDoNotFitAreRefusedClearly()
    {
        var beta = Assert.Throws<ArgumentException>(() => new ConvSluiceNetwork(new ConvColumns(2, [1, 8, 8]).AddConv(4, 3, new Rng(61)).AddMaxPool(2, 2).AddMlp([6], true, new Rng(62)), 2, true, 0f, [], [2, 2], new Rng(63)));
        Assert.Contains("at least two trailing layers of one output shape", beta.Message, StringComparison.Ordinal);
        var groups = Assert.Throws<ArgumentException>(() => new ConvSluiceNetwork(new ConvColumns(2, [1, 8, 8]).AddConv(3, 3, new Rng(64)), 2, false, 0f, [], [2, 2], new Rng(65)));
        Assert.Contains("3 channels cannot be split into 2 subspaces", groups.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ConvColumns(2, [64]));
        var kernel = Assert.Throws<ArgumentException>(() => new ConvColumns(2, [1, 4, 4]).AddConv(2, 5, new Rng(66)));
        Assert.Contains("5×5 convolution", kernel.Message, StringComparison.Ordinal);
    }
}
