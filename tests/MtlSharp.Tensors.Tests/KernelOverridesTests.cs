using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors.Tests;

/// <summary>The scoped kernel-path override: nests, restores on dispose, and stays on the thread that set it.</summary>
public sealed class KernelOverridesTests
{
    [Fact]
    public void ScopesNestAndRestoreThePreviousValue()
    {
        Assert.Equal(default, KernelOverrides.Current);
        using (KernelOverrides.Force(new KernelPathOverride { Implicit = true, Banded = false }))
        {
            Assert.Equal(true, KernelOverrides.Current.Implicit);
            using (KernelOverrides.Force(KernelOverrides.Current with { ColumnBudget = 7 }))
            {
                Assert.Equal(new KernelPathOverride { Implicit = true, Banded = false, ColumnBudget = 7 }, KernelOverrides.Current);
            }

            Assert.Equal(new KernelPathOverride { Implicit = true, Banded = false }, KernelOverrides.Current);
        }

        Assert.Equal(default, KernelOverrides.Current);
    }

    [Fact]
    public void OverrideIsNotSeenByOtherThreads()
    {
        using (KernelOverrides.Force(new KernelPathOverride { Direct = true }))
        {
            KernelPathOverride seen = new() { Direct = false };
            var thread = new Thread(() => seen = KernelOverrides.Current);
            thread.Start();
            thread.Join();
            Assert.Equal(default, seen);
            Assert.Equal(true, KernelOverrides.Current.Direct);
        }
    }
}
