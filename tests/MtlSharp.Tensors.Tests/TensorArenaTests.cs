namespace MtlSharp.Tensors.Tests;

public sealed class TensorArenaTests
{
    [Fact]
    public void VaryingShapesReuseSizeClassesInsteadOfGrowingWithoutBound()
    {
        var arena = new TensorArena();
        var rng = new Rng(1);
        for (int step = 0; step < 300; step++)
        {
            using (arena.Enter())
            {
                // A padded batch of sentences: [B, T, H] with T varying step to step.
                int t = 5 + rng.NextInt(60);
                var a = Tensor.Scratch(new Shape(8, t, 100));
                var b = Tensor.Scratch(new Shape(8, t, 400));
                Assert.Equal(8 * t * 100, a.Length);
                Assert.Equal(8 * t * 400, b.Length);
                a.Span.Fill(1f);
                b.Span.Fill(2f);
                Assert.Equal(1f, a.Span[^1]);
            }
        }

        // 60 distinct lengths per tensor would need 120 exact-size buffers; size classes need far fewer.
        Assert.InRange(arena.BuffersAllocated, 2, 40);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1024, 1024)]
    [InlineData(1025, 1280)]
    [InlineData(4096, 4096)]
    [InlineData(4097, 5120)]
    [InlineData(7000, 7168)]
    public void SizeClassesRoundUpByAtMostAQuarter(int requested, int expected)
    {
        Assert.Equal(expected, TensorArena.SizeClass(requested));
    }
}
