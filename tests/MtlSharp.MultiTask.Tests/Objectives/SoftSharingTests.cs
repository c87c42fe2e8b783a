using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Objectives;

public sealed class SoftSharingTests
{
    private static RoutedNetwork Network(Rng rng) => new(
        [new RoutedLayer(new MlpComponents(3, [4, 5, 2], outputRelu: false, rng), FixedRouter.NoSharing(3, 3), CombineMode.Mean)],
        null, 0f, 3);

    private static readonly MultiTaskBatch Empty = new([new TaskBatch(0, new TensorInput(Tensor.Zeros(1, 4)), new TaskTargets([0], null))]);

    [Fact]
    public void ThePenaltyIsLambdaTimesTheSumOfPairwiseSquaredDistances()
    {
        var net = Network(new Rng(4));
        var reg = new SoftSharingRegularizer(net, 0.3f);
        double expected = 0;
        foreach (var p in net.Parameters())
        {
            float[] v = p.Value.ToArray();
            int per = v.Length / 3;
            for (int a = 0; a < 3; a++)
            {
                for (int b = a + 1; b < 3; b++)
                {
                    for (int k = 0; k < per; k++)
                    {
                        double d = v[(a * per) + k] - v[(b * per) + k];
                        expected += d * d;
                    }
                }
            }
        }

        float got = reg.Compute(Empty, new ForwardContext(0, true, new Rng(1), 1f))!.Item();
        Assert.Equal(0.3 * expected, got, 4);
        Assert.True(expected > 0);
        Assert.Null(new SoftSharingRegularizer(net, 0f).Compute(Empty, new ForwardContext(0, true, new Rng(1), 1f)));
    }

    [Fact]
    public void ItsGradientPassesAFiniteDifferenceCheck()
    {
        var net = Network(new Rng(5));
        var weight = net.Parameters()[0];
        var reg = new SoftSharingRegularizer(net, 0.7f);
        // The check perturbs the parameter tensor itself, which the penalty reads.
        GradCheck.Check("soft-sharing", _ => reg.Compute(Empty, new ForwardContext(0, true, new Rng(1), 1f))!, [weight.Value]);
    }

    [Fact]
    public void ConvolutionAndGroupedComponentsAreTiedWithinTheirStacks()
    {
        var rng = new Rng(8);
        var conv = new RoutedNetwork([new RoutedLayer(new ConvComponents(2, 1, 3, 3, rng), FixedRouter.NoSharing(2, 2), CombineMode.Mean)], null, 0f, 2);
        var reg = new SoftSharingRegularizer(conv, 1f);
        var w = conv.Parameters()[0].Value.ToArray();   // [2·3 filters, 1, 3, 3]: component c is filters 3c..3c+2
        double expected = 0;
        for (int k = 0; k < 27; k++)
        {
            double d = w[k] - w[27 + k];
            expected += d * d;
        }

        Assert.Equal(expected, reg.Compute(Empty, new ForwardContext(0, true, new Rng(1), 1f))!.Item(), 4);
        var group = new ComponentGroup(new MlpComponents(1, [4, 2], true, rng), new MlpComponents(2, [4, 3, 2], true, rng));
        var grouped = new RoutedNetwork([new RoutedLayer(group, FixedRouter.SharedBottom(1, 3), CombineMode.Mean)], null, 0f, 1);
        Assert.NotNull(new SoftSharingRegularizer(grouped, 1f).Compute(Empty, new ForwardContext(0, true, new Rng(1), 1f)));   // the 2-stack only
    }
}
