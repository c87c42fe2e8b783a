using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Objectives;

public sealed class BudgetPenaltyTests
{
    private static Tensor Logits(Rng rng, int tasks, int comps)
    {
        var t = Tensor.Uniform(new Shape(tasks, comps, 2), -1f, 2f, rng);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void ExpectedFractionAveragesOverAllLayersForTheTask()
    {
        // p = 0.5 everywhere except layer 0, task 1, component 0 where p = σ(2) ≈ 0.8808.
        var l0 = Tensor.Zeros(2, 2, 2);
        var l1 = Tensor.Zeros(2, 3, 2);
        l0[1, 0, 0] = 2f;
        double e = BudgetPenalty.ExpectedActiveFraction([l0, l1], 1);
        Assert.Equal((0.8807970779778823 + 0.5 * 4) / 5, e, 9);
        Assert.Equal(0.5, BudgetPenalty.ExpectedActiveFraction([l0, l1], 0), 9);
    }

    [Fact]
    public void PenaltyIsZeroUnderBudgetAndLinearOver()
    {
        var l = Tensor.Zeros(1, 4, 2); // p = 0.5
        Assert.Equal(0f, BudgetPenalty.Compute([l], 0, 0.75f, 1f).Item());
        Assert.Equal(2f * (0.5f - 0.25f), BudgetPenalty.Compute([l], 0, 0.25f, 2f).Item(), 6);
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        var rng = new Rng(2);
        var a = Logits(rng, 3, 4);
        var b = Logits(rng, 3, 2);
        GradCheck.Check("BudgetPenalty", i => BudgetPenalty.Compute([i[0], i[1]], 2, 0.3f, 1.5f), [a, b], eps: 1e-3f);
    }
}
