using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Experts;

/// <summary>Learned branching: straight-through categorical choices of parents and leaves.</summary>
public sealed class BranchedNetworkTests
{
    private static readonly TaskTargets Dummy = new(new int[1], null);

    [Fact]
    public void TheCategoricalSampleIsOneHotWithTheSoftmaxGradient()
    {
        var logits = Tensor.FromArray([0.3f, -0.2f, 0.5f, 1.0f, 0.1f, -0.4f], 2, 3);
        logits.RequiresGrad = true;
        float[] noise = [0.1f, 0.9f, -0.3f, -0.5f, 0.2f, 1.4f];
        const float tau = 0.7f;
        var z = StraightThroughCategorical.Sample(logits, tau, noise);
        Assert.Equal([0f, 1f, 0f, 0f, 0f, 1f], z.Span.ToArray());   // argmax of logits + noise: 0.7 and 1.0

        // d(Σ c ⊙ z)/dl must equal d(Σ c ⊙ softmax((l + g)/τ))/dl.
        var c = Tensor.FromArray([0.5f, -1f, 2f, 0.3f, 0.7f, -0.2f], 2, 3);
        var grad = new float[6];
        Autograd.Grad(Ops.Sum(Ops.Mul(z, c)), [logits], grad);
        var expected = new float[6];
        var soft = Ops.Softmax(Ops.Scale(Ops.Add(logits, Tensor.FromArray(noise, 2, 3)), 1f / tau), 1);
        Autograd.Grad(Ops.Sum(Ops.Mul(soft, c)), [logits], expected);
        TensorAssert.Close(expected, grad, 1e-6, 1e-5, "straight-through gradient");
    }

    [Fact]
    public void WeightGradientsMatchFiniteDifferencesOnASampledTree()
    {
        var network = new BranchedNetwork(3, [1, 2, 2], 4, [2], [2, 1], new Rng(11));
        var rng = new Rng(12);
        foreach (var (_, p) in network.NamedParameters().Where(p => p.Name.Contains("bias", StringComparison.Ordinal)))
        {
            Tensor.Uniform(p.Shape, -0.3f, 0.3f, rng).Span.CopyTo(p.Data);
        }

        var model = new ExpertModel(network, ["a", "b"]);
        var x = Tensor.Uniform(new Shape(4, 3), -1, 1, new Rng(13));
        var batch = new MultiTaskBatch(Enumerable.Range(0, 2).Select(t => new TaskBatch(t, new TensorInput(x), Dummy)).ToArray());
        // The choices are piecewise constant in the logits (their gradient is the straight-through estimate, checked
        // above), so the finite-difference check covers the weights, through whichever tree the fixed draws pick.
        var weights = network.NamedParameters().Where(p => p.Parameter.Kind.Role != ParameterRole.Routing).Select(p => p.Parameter.Value).ToArray();
        GradCheck.Check("branching", _ => Ops.Concat([.. model.Forward(batch, new ForwardContext(0, true, new Rng(0), 1f))], 1), weights, 14, eps: 1e-3f);
    }

    [Fact]
    public void TheFixedTreeFollowsTheMostLikelyParentsAndComputesEachPath()
    {
        var network = new BranchedNetwork(3, [1, 3, 2], 4, [], [2, 2, 2], new Rng(21));
        float[] parents = [0, 0, 5, 0, 3, 0];   // layer 2: node 0 reads node 2 of layer 1, node 1 reads node 1
        parents.CopyTo(network.Parents(2).Data);
        float[] leaves = [2, 0, 0, 2, 2, 0];   // tasks 0 and 2 read node 0, task 1 node 1
        leaves.CopyTo(network.Leaves.Data);
        Assert.Equal(new[] { new[] { 0, 2, 0 }, new[] { 0, 1, 1 }, new[] { 0, 2, 0 } }, network.Paths());

        var named = network.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value);
        var x = Tensor.Uniform(new Shape(5, 3), -1, 1, new Rng(22));
        Tensor Node(string name, Tensor input) => Ops.Relu(Ops.Linear(input, named[name + "_weight"], named[name + "_bias"]));
        var root = Node("node0_0", x);
        var task1 = Ops.Linear(Node("node2_1", Node("node1_1", root)), named["towers.weight1"], named["towers.bias1"]);
        TensorAssert.Close(task1.Span, network.Forward(x, 1).Span, 1e-6, 1e-6, "task 1's path");
        var outputs = network.Forward(x, [0, 2]);
        var shared = Node("node2_0", Node("node1_2", root));
        TensorAssert.Close(Ops.Linear(shared, named["towers.weight2"], named["towers.bias2"]).Span, outputs[1].Span, 1e-6, 1e-6, "task 2's path");

        var stats = network.CreateGateStatistics();
        network.Forward(x, [0, 1, 2], stats);
        var tree = network.GateMatrices(stats, ["a", "b", "c"]).Last();
        Assert.Equal([0.0, 2.0, 0.0], tree.Values[0]);
        Assert.All(network.NamedParameters().Where(p => p.Name.StartsWith("parents", StringComparison.Ordinal) || p.Name == "leaves"), p => Assert.Equal(ParameterRole.Routing, p.Parameter.Kind.Role));
    }

    [Fact]
    public void TrainingSamplesFollowTheLogitsWhenTheyAreDecisive()
    {
        var network = new BranchedNetwork(3, [1, 2], 4, [], [2, 2], new Rng(31));
        float[] leaves = [30, -30, -30, 30];
        leaves.CopyTo(network.Leaves.Data);
        var x = Tensor.Uniform(new Shape(3, 3), -1, 1, new Rng(32));
        var sampled = network.Forward(x, [0, 1], null, new ForwardContext(0, true, new Rng(33), 1f));
        var fixedTree = network.Forward(x, [0, 1]);
        for (int t = 0; t < 2; t++)
        {
            TensorAssert.Close(fixedTree[t].Span, sampled[t].Span, 1e-6, 1e-6, $"task {t}");
        }
    }
}
