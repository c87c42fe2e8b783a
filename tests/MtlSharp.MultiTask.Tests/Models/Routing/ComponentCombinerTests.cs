using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Routing;

public sealed class ComponentCombinerTests
{
    private static Tensor Random(Rng rng, params int[] shape)
    {
        var t = Tensor.Uniform(new Shape(shape), -1f, 1f, rng);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void MeanAveragesActiveComponentsAndZeroWhenNoneActive()
    {
        // outer 1, C 3, inner 2: components (1,2), (3,4), (5,6).
        var y = Tensor.FromArray([1, 2, 3, 4, 5, 6], 1, 3, 2);
        var z = Tensor.FromArray([1, 0, 1], 3);
        Assert.Equal([3f, 4f], ComponentCombiner.Combine(y, z, CombineMode.Mean).ToArray());
        Assert.Equal([6f, 8f], ComponentCombiner.Combine(y, z, CombineMode.Sum).ToArray());
        var none = Tensor.FromArray([0, 0, 0], 3);
        Assert.Equal([0f, 0f], ComponentCombiner.Combine(y, none, CombineMode.Mean).ToArray());
        var one = Tensor.FromArray([0, 1, 0], 3);
        Assert.Equal([3f, 4f], ComponentCombiner.Combine(y, one, CombineMode.Mean).ToArray());
    }

    [Theory]
    [InlineData(CombineMode.Mean, 0.9f)]  // Σz > 1: gradient through the denominator
    [InlineData(CombineMode.Mean, 0.2f)]  // Σz < 1: denominator clamped to 1
    [InlineData(CombineMode.Sum, 0.9f)]
    public void GradientsMatchFiniteDifferences(CombineMode mode, float zScale)
    {
        var rng = new Rng(3);
        var y = Random(rng, 2, 3, 4);
        var z = Tensor.FromArray([zScale, zScale * 0.5f, zScale * 1.1f], 3);
        z.RequiresGrad = true;
        GradCheck.Check($"Combine/{mode}", i => ComponentCombiner.Combine(i[0], i[1], mode), [y, z], eps: 1e-3f);
    }

    [Fact]
    public void RejectsMismatchedComponentCount()
    {
        var y = Tensor.Zeros(2, 3, 4);
        var z = Tensor.Zeros(4);
        var ex = Assert.Throws<ShapeMismatchException>(() => ComponentCombiner.Combine(y, z, CombineMode.Mean));
        Assert.Contains("Combine", ex.Message);
        Assert.Contains("[2, 3, 4]", ex.Message);
        Assert.Contains("[4]", ex.Message);
    }
}
