using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Objectives;

public sealed class MultiLabelLossTests
{
    private static readonly TaskInfo Task = TaskInfo.Create("labels", TaskKind.MultiLabel, 3, MetricKind.Accuracy);

    [Fact]
    public void MaskedBinaryCrossEntropyMatchesPyTorch()
    {
        // tests/fixtures/gen_multilabel.py: F.binary_cross_entropy_with_logits, masked mean (|logits| up to 30).
        var f = Fixtures.Load("multilabel/bce.json");
        var x = Fixtures.ToTensor(f.GetProperty("logits"), requiresGrad: true);
        var targets = new TaskTargets(null, Fixtures.Floats(f.GetProperty("targets").GetProperty("data")), Fixtures.Floats(f.GetProperty("mask").GetProperty("data")));
        var (loss, _) = TaskLoss.Compute(Task, x, targets)!.Value;
        Assert.Equal(f.GetProperty("loss").GetDouble(), loss.Item(), 5);
        Autograd.Backward(loss);
        float[] expected = Fixtures.Floats(f.GetProperty("grad").GetProperty("data"));
        float[] grad = x.Grad!.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], grad[i], 5);
        }
    }

    [Fact]
    public void TheLossPassesAFiniteDifferenceCheck()
    {
        var rng = new Rng(11);
        var x = Tensor.Normal(new Shape(5, 3), 0f, 2f, rng);
        x.RequiresGrad = true;
        float[] y = [1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 1];
        float[] m = [1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1];
        GradCheck.Check("multilabel-bce", a => TaskLoss.Compute(Task, a[0], new TaskTargets(null, y, m))!.Value.Loss, [x]);
    }

    [Fact]
    public void AllMissingLabelsGiveNoLoss()
    {
        var targets = new TaskTargets(null, [float.NaN, 1f], [0f, 0f]);
        Assert.Null(TaskLoss.Compute(Task, Tensor.Zeros(1, 2), targets));
    }
}
