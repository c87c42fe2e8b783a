using System.Text.Json;
using MtlSharp.NN.Checkpoints;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.NN.Tests;

/// <summary>Parameter names and shapes line up with PyTorch's state_dict keys, so safetensors files interchange.</summary>
public sealed class PyTorchNamesTests
{
    private static void AssertSameKeys(string fixtureKey, Module m)
    {
        var expected = Fixtures.Load("nn/names.json").GetProperty(fixtureKey).EnumerateArray()
            .Select(e => (e[0].GetString()!, new Shape(Fixtures.Ints(e[1])))).ToArray();
        var actual = m.NamedParameters().Select(p => (p.Name, p.Parameter.Shape)).ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void StateDictKeys_MatchPyTorch()
    {
        var rng = new Rng(1);
        AssertSameKeys("linear", new Linear(4, 3, rng));
        AssertSameKeys("conv2d", new Conv2d(2, 5, 3, 1, rng));
        AssertSameKeys("bilstm2", new BiLstm(3, 4, rng, layers: 2));
        AssertSameKeys("lstm", new Lstm(3, 4, rng));
        AssertSameKeys("groupnorm", new GroupNorm(2, 6));
        AssertSameKeys("layernorm", new LayerNorm(5));
        AssertSameKeys("embedding", new Embedding(7, 3, rng));
        AssertSameKeys("sequential", new Sequential(new Linear(4, 8, rng), new Relu(), new Linear(8, 2, rng)));
    }

    [Fact]
    public void BiLstm_LoadedFromPyTorchStateDict_MatchesItsOutput()
    {
        JsonElement fx = Fixtures.Load("nn/bilstm.json");
        var state = fx.GetProperty("state").EnumerateArray()
            .Select(e => (e[0].GetString()!, Fixtures.ToTensor(e[1]))).ToList();
        var bi = new BiLstm(3, 4, new Rng(1), layers: 2);
        Checkpoint.LoadModel(bi, new SafeTensorsFile(state, new Dictionary<string, string>()));
        var x = Fixtures.ToTensor(fx.GetProperty("x"));
        var y = bi.Forward(x, Fixtures.Ints(fx.GetProperty("lengths")));
        TensorAssert.Close(Fixtures.ToTensor(fx.GetProperty("out")), y, atol: 1e-5, rtol: 1e-5, what: "BiLstm vs torch");
    }
}
