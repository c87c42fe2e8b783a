using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Experts;

/// <summary>Sluice networks for dense layers: α over subspaces, β over layers, orthogonality.</summary>
public sealed class SluiceNetworkTests
{
    private static readonly TaskTargets Dummy = new(new int[1], null);

    [Fact]
    public void GradientsMatchFiniteDifferencesIncludingAlphaBetaAndThePenalty()
    {
        var network = new SluiceNetwork(3, [4, 4], 2, layerMixing: true, orthogonality: 0.5f, [], [2, 1], new Rng(11));   // linear towers: no ReLU kink outside the sluice
        var rng = new Rng(12);
        foreach (var (_, p) in network.NamedParameters().Where(p => p.Name.Contains("bias", StringComparison.Ordinal) || p.Name.StartsWith("alpha", StringComparison.Ordinal) || p.Name == "beta"))
        {
            var noise = Tensor.Uniform(p.Shape, -0.2f, 0.2f, rng).Span;
            for (int i = 0; i < p.Data.Length; i++)
            {
                p.Data[i] += noise[i];
            }
        }

        var model = new ExpertModel(network, ["a", "b"]);
        var x = Tensor.Uniform(new Shape(4, 3), -1, 1, new Rng(13));
        var batch = new MultiTaskBatch(Enumerable.Range(0, 2).Select(t => new TaskBatch(t, new TensorInput(x), Dummy)).ToArray());
        var parameters = network.Parameters().Select(p => p.Value).ToArray();
        var context = new ForwardContext(0, true, new Rng(0), 1f);
        // A small step: at eps = 1e-3 one layer-1 pre-activation crosses its ReLU kink (numeric 7 % off there).
        GradCheck.Check("sluice", _ => Ops.Concat([.. model.Forward(batch, context)], 1), parameters, 14, eps: 1e-4f, atol: 2e-3, rtol: 2e-2);
        GradCheck.Check("sluice-orthogonality", _ => Ops.Reshape(model.Regularizers.Single().Compute(batch, context)!, 1, 1), parameters, 15, eps: 1e-3f);
    }

    [Fact]
    public void WithOneSubspaceAndBetaOnTheLastLayerItIsTheCrossStitchNetwork()
    {
        var sluice = new SluiceNetwork(5, [4, 3], 1, layerMixing: false, orthogonality: 0f, [2], [2, 3], new Rng(21));
        var stitch = new CrossStitchNetwork(5, [4, 3], 0.9f, [2], [2, 3], new Rng(22));
        var to = stitch.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, p) in sluice.NamedParameters())
        {
            var jitter = Tensor.Uniform(p.Shape, -0.05f, 0.05f, new Rng(23)).Span;
            for (int i = 0; i < p.Data.Length; i++)
            {
                p.Data[i] += jitter[i];   // α off its initial value too
            }

            p.Data.CopyTo(to[name].Data);   // same names: layer{l}.*, alpha{l}, towers.*
        }

        var x = Tensor.Uniform(new Shape(6, 5), -1, 1, new Rng(24));
        var a = sluice.Forward(x, [0, 1]);
        var b = stitch.Forward(x, [0, 1]);
        for (int t = 0; t < 2; t++)
        {
            TensorAssert.Close(b[t].Span, a[t].Span, 1e-6, 1e-5, $"task {t}");
        }
    }

    [Fact]
    public void TheAlphaUnitMixesSubspacesAndBetaMixesLayersAsWritten()
    {
        // Two tasks, S = 2, one layer of width 4 (chunks of 2): task 0's first subspace takes task 1's second.
        var network = new SluiceNetwork(3, [4, 4], 2, layerMixing: true, orthogonality: 0f, [], [2, 2], new Rng(31));
        var alpha0 = network.Alpha(0).Data;
        alpha0.Clear();
        for (int r = 0; r < 4; r++)
        {
            alpha0[(r * 4) + r] = 1f;   // identity
        }

        alpha0[0] = 0f;
        alpha0[(0 * 4) + 3] = 1f;   // row (t0, s0) ← (t1, s1)
        network.Alpha(1).Data.Clear();
        for (int r = 0; r < 4; r++)
        {
            network.Alpha(1).Data[(r * 4) + r] = 1f;
        }

        float[] beta = [0.25f, 0.75f, 1f, 0f];
        beta.CopyTo(network.Beta!.Data);
        var named = network.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value);
        var x = Tensor.Uniform(new Shape(2, 3), -1, 1, new Rng(32));
        Tensor Column(int l, int t, Tensor input)
        {
            var w = Ops.Reshape(Ops.Slice(named[$"layer{l}.weight0"], 0, t, 1), input.Shape[1], 4);
            var b = Ops.Reshape(Ops.Slice(named[$"layer{l}.bias0"], 0, t, 1), 4);
            return Ops.Relu(Ops.Add(Ops.MatMul(input, w), b));
        }

        var h0 = Column(0, 0, x);
        var h1 = Column(0, 1, x);
        var mixed0 = Ops.Concat([Ops.Slice(h1, 1, 2, 2), Ops.Slice(h0, 1, 2, 2)], 1);   // (t1, s1) then t0's own s1
        var top0 = Column(1, 0, mixed0);
        var rep0 = Ops.Add(Ops.Scale(mixed0, 0.25f), Ops.Scale(top0, 0.75f));
        var expected = Ops.Linear(rep0, named["towers.weight0"], named["towers.bias0"]);
        TensorAssert.Close(expected.Span, network.Forward(x, 0).Span, 1e-6, 1e-5, "task 0");
    }

    [Fact]
    public void TheOrthogonalityPenaltyIsTheSumOfSquaredCrossProductsOfSubspaceRows()
    {
        var network = new SluiceNetwork(3, [4], 2, layerMixing: false, orthogonality: 1f, [], [2, 2], new Rng(41));
        var w = network.NamedParameters().Single(p => p.Name == "layer0.weight0").Parameter.Data.ToArray();   // [T, in 3, out 4]
        double expected = 0;
        for (int t = 0; t < 2; t++)
        {
            // Rows of [out, in] are output units; subspace 0 = units 0–1, subspace 1 = units 2–3. ‖W₀ᵀW₁‖²_F.
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 3; j++)
                {
                    double cross = 0;
                    for (int u = 0; u < 2; u++)
                    {
                        cross += w[(t * 12) + (i * 4) + u] * (double)w[(t * 12) + (j * 4) + u + 2];
                    }

                    expected += cross * cross;
                }
            }
        }

        Assert.Equal(expected, network.OrthogonalityPenalty().Item(), 1e-5);
        Assert.Empty(new SluiceNetwork(3, [4], 1, false, 1f, [], [2, 2], new Rng(42)).Regularizers);   // S = 1: nothing to orthogonalise
    }
}
