using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Tests.Training;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Tests.Models.Routing;

/// <summary>
/// <see cref="RoutedModel.Forward"/> runs a shared bottom's trunk once for the tasks of a batch that read the same
/// rows: the outputs are bit-identical to running the whole network per task, the gradients equal up to summation
/// order, and networks whose tasks read their own representation still run per task.
/// </summary>
public sealed class TrunkSharingTests
{
    /// <summary>An identity stage that counts its forward passes.</summary>
    private sealed class CountingStage : Module<Tensor, Tensor>
    {
        public int Calls { get; private set; }

        public override Tensor Forward(Tensor input)
        {
            Calls++;
            return input;
        }
    }

    private const int Features = 5;

    private static (RoutedModel Model, CountingStage Counter) Model(IRouter? first, float dropout)
    {
        var rng = new Rng(5);
        var counter = new CountingStage();
        var layer = new RoutedLayer(new MlpComponents(2, [Features, 7], outputRelu: true, rng.Split()), first ?? FixedRouter.SharedBottom(3, 2), CombineMode.Mean);
        var layer2 = new RoutedLayer(new MlpComponents(1, [7, 6], outputRelu: true, rng.Split()), FixedRouter.SharedBottom(3, 1), CombineMode.Mean);
        var network = new RoutedNetwork([counter, layer, layer2], new TaskHeads(6, [3, 1, 1], rng.Split()), dropout, 3);
        return (new RoutedModel(network), counter);
    }

    private static MultiTaskBatch Batch() =>
        new SharedRowsTrainingData(RepresentationGradientTests.Tasks(), 16, new Rng(3)).Next([0, 1, 2]);

    /// <summary>Every part through the whole network on its own (the path before trunk sharing).</summary>
    private static Tensor[] PerTask(RoutedModel model, MultiTaskBatch batch, Rng rng)
    {
        var outputs = new Tensor[batch.Parts.Count];
        for (int i = 0; i < outputs.Length; i++)
        {
            var x = (TensorInput)batch.Parts[i].Input;
            outputs[i] = model.Network.Forward(x.Value, new RoutingContext(batch.Parts[i].Task, true, 1f, rng, false, x.Rows));
        }

        return outputs;
    }

    private static Tensor Sum(IReadOnlyList<Tensor> outputs)
    {
        Tensor total = Ops.SumOfSquares(outputs[0]);
        for (int i = 1; i < outputs.Count; i++)
        {
            total = Ops.Add(total, Ops.SumOfSquares(outputs[i]));
        }

        return total;
    }

    [Fact]
    public void ASharedBottomRunsItsTrunkOnceAndGivesTheSameOutputsAsThePerTaskPath()
    {
        var (model, counter) = Model(null, dropout: 0.3f);
        var batch = Batch();
        Assert.Equal(3, batch.Parts.Count);
        Assert.All(batch.Parts, p => Assert.Same(batch.Parts[0].Input, p.Input));

        var shared = model.Forward(batch, new ForwardContext(0, true, new Rng(7), 1f));
        Assert.Equal(1, counter.Calls);
        var separate = PerTask(model, batch, new Rng(7));
        Assert.Equal(4, counter.Calls);
        for (int i = 0; i < shared.Count; i++)
        {
            Assert.Equal(separate[i].Shape.ToArray(), shared[i].Shape.ToArray());
            Assert.True(separate[i].Span.SequenceEqual(shared[i].Span), $"task {i}: outputs differ");
        }
    }

    [Fact]
    public void TheGradientsOfTheLossSumMatchThePerTaskPath()
    {
        var (model, _) = Model(null, dropout: 0.3f);
        var batch = Batch();
        var parameters = model.Module.Parameters();

        float[][] Gradients(Func<IReadOnlyList<Tensor>> forward)
        {
            foreach (var p in parameters)
            {
                p.ZeroGrad();
            }

            Autograd.Backward(Sum(forward()));
            return parameters.Select(p => p.Grad.ToArray()).ToArray();
        }

        var shared = Gradients(() => model.Forward(batch, new ForwardContext(0, true, new Rng(7), 1f)));
        var separate = Gradients(() => PerTask(model, batch, new Rng(7)));
        double largest = 0;
        for (int i = 0; i < shared.Length; i++)
        {
            for (int k = 0; k < shared[i].Length; k++)
            {
                Assert.Equal(separate[i][k], shared[i][k], 1e-5f + (1e-5f * Math.Abs(separate[i][k])));
                largest = Math.Max(largest, Math.Abs(shared[i][k]));
            }
        }

        Assert.True(largest > 1e-2, "no gradient reached the parameters");
    }

    [Fact]
    public void TasksWithTheirOwnAllocationRunTheNetworkPerTask()
    {
        // A learned (Gumbel-Matrix) first layer gives each task its own representation.
        var (model, counter) = Model(new GumbelMatrixRouter(3, 2, 0.9f), dropout: 0f);
        model.Forward(Batch(), new ForwardContext(0, true, new Rng(7), 1f));
        Assert.Equal(3, counter.Calls);
    }

    [Fact]
    public void PartsReadingDifferentRowsDoNotShareATrunk()
    {
        var (model, counter) = Model(null, dropout: 0f);
        var tasks = RepresentationGradientTests.Tasks();
        var a = new SharedRowsTrainingData(tasks, 8, new Rng(3)).Next([0, 1]);
        var b = new SharedRowsTrainingData(tasks, 8, new Rng(4)).Next([2]);
        var batch = new MultiTaskBatch([a.Parts[0], b.Parts[0], a.Parts[1]]);
        var outputs = model.Forward(batch, new ForwardContext(0, true, new Rng(7), 1f));
        Assert.Equal(2, counter.Calls);
        var separate = PerTask(model, batch, new Rng(7));
        for (int i = 0; i < outputs.Count; i++)
        {
            Assert.True(separate[i].Span.SequenceEqual(outputs[i].Span), $"part {i}: outputs differ");
        }
    }
}
