using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Experts;

/// <summary>Task-conditioned (FiLM) networks.</summary>
public sealed class TaskConditionedNetworkTests
{
    private static readonly TaskTargets Dummy = new(new int[1], null);

    [Fact]
    public void GradientsMatchFiniteDifferencesIncludingEmbeddingsAndGenerators()
    {
        var network = new TaskConditionedNetwork(3, [4, 3], 2, [2], [2, 1], new Rng(11));
        var jitter = new Rng(12);
        foreach (var (_, p) in network.NamedParameters().Where(p => p.Name.Contains("bias", StringComparison.Ordinal) || p.Name.StartsWith("film", StringComparison.Ordinal)))
        {
            Tensor.Uniform(p.Shape, -0.3f, 0.3f, jitter).Span.CopyTo(p.Data);
        }

        var model = new ExpertModel(network, ["a", "b"]);
        var x = Tensor.Uniform(new Shape(4, 3), -1, 1, new Rng(13));
        var batch = new MultiTaskBatch(Enumerable.Range(0, 2).Select(t => new TaskBatch(t, new TensorInput(x), Dummy)).ToArray());
        var parameters = network.Parameters().Select(p => p.Value).ToArray();
        GradCheck.Check("film", _ => Ops.Concat([.. model.Forward(batch, new ForwardContext(0, true, new Rng(0), 1f))], 1), parameters, 14, eps: 1e-3f);
    }

    [Fact]
    public void AtInitialisationItIsASharedBottomNetworkWithTheSameWeights()
    {
        // Zero generators: γ = β = 0 for every task, so each task reads the shared MLP unmodulated.
        var film = new TaskConditionedNetwork(5, [4, 3], 6, [2], [2, 3], new Rng(21));
        var routed = new RoutedNetwork(
            [new RoutedLayer(new MlpComponents(1, [5, 4, 3], outputRelu: true, new Rng(22)), FixedRouter.SharedBottom(2, 1))],
            new TaskHeads(3, [2], [2, 3], new Rng(23)), 0f, 2);
        var named = film.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var to = routed.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        for (int l = 0; l < 2; l++)
        {
            // Ours is [out, in]; the components' [1, in, out].
            var w = named[$"layer{l}_weight"];
            var dst = to.Single(kv => kv.Key.StartsWith("stage0.", StringComparison.Ordinal) && kv.Key.EndsWith($"weight{l}", StringComparison.Ordinal)).Value.Data;
            int fout = w.Shape[0], fin = w.Shape[1];
            for (int o = 0; o < fout; o++)
            {
                for (int i = 0; i < fin; i++)
                {
                    dst[(i * fout) + o] = w.Data[(o * fin) + i];
                }
            }

            named[$"layer{l}_bias"].Data.CopyTo(to.Single(kv => kv.Key.StartsWith("stage0.", StringComparison.Ordinal) && kv.Key.EndsWith($"bias{l}", StringComparison.Ordinal)).Value.Data);
        }

        foreach (var (name, p) in to.Where(kv => kv.Key.StartsWith("heads.", StringComparison.Ordinal)))
        {
            named["towers." + name["heads.".Length..]].Data.CopyTo(p.Data);
        }

        var x = Tensor.Uniform(new Shape(6, 5), -1, 1, new Rng(24));
        for (int t = 0; t < 2; t++)
        {
            Assert.All(film.Modulation(t, 0).Scale, s => Assert.Equal(1f, s));
            var expected = routed.Forward(x, new RoutingContext(t, false, 1f, new Rng(0)));
            TensorAssert.Close(expected.Span, film.Forward(x, t).Span, 1e-6, 1e-6, $"task {t}");
        }
    }

    [Fact]
    public void EmbeddingsAreTaskParametersAndTheirSimilarityIsReported()
    {
        var film = new TaskConditionedNetwork(3, [4], 3, [], [2, 2, 2], new Rng(31));
        Assert.All(film.NamedParameters().Where(p => p.Name.StartsWith("embedding", StringComparison.Ordinal)),
            p => Assert.Equal(ParameterKind.Task(int.Parse(p.Name["embedding".Length..], System.Globalization.CultureInfo.InvariantCulture)), p.Parameter.Kind));
        var e1 = film.NamedParameters().Single(p => p.Name == "embedding1").Parameter;
        film.NamedParameters().Single(p => p.Name == "embedding0").Parameter.Data.CopyTo(e1.Data);
        var stats = film.CreateGateStatistics();
        film.Forward(Tensor.Uniform(new Shape(2, 3), -1, 1, new Rng(32)), [0, 1, 2], stats);
        var m = film.GateMatrices(stats, ["a", "b", "c"]).Single();
        Assert.Equal(1.0, m.Values[0][1], 1e-6);   // identical embeddings
        Assert.Equal(1.0, m.Values[2][2], 1e-6);
        Assert.True(m.Values[0][2] < 0.999);
    }
}
