using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tests.Training;

public sealed class StateBagTests
{
    [Fact]
    public void EveryKindOfValueSurvivesASaveAndLoadExactly()
    {
        using var dir = new TempFolder();
        var bag = new StateBag();
        var scoped = bag.Scope("part");
        scoped.SetLong("step", long.MaxValue);
        scoped.SetDouble("nan", double.NaN);
        scoped.SetDouble("inf", double.NegativeInfinity);
        scoped.SetDouble("third", 1.0 / 3.0);
        scoped.SetDoubles("curve", [0.1, double.PositiveInfinity, 5e-324]);
        scoped.SetInts("order", [3, 1, 2]);
        scoped.SetIndexArray("perm", [16_777_215, 0, 7]);
        scoped.SetArray("weights", [1.5f, -0f, float.Epsilon]);
        scoped.SetString("reason", "stopped: ü");
        var rng = new Rng(11);
        rng.NextUInt64();
        scoped.SetRng("rng", rng);
        bag.Save(dir.Path);

        var loaded = StateBag.Load(dir.Path).Scope("part");
        Assert.Equal(long.MaxValue, loaded.GetLong("step"));
        Assert.True(double.IsNaN(loaded.GetDouble("nan")));
        Assert.Equal(double.NegativeInfinity, loaded.GetDouble("inf"));
        Assert.Equal(1.0 / 3.0, loaded.GetDouble("third"));
        Assert.Equal([0.1, double.PositiveInfinity, 5e-324], loaded.GetDoubles("curve"));
        Assert.Equal([3, 1, 2], loaded.GetInts("order"));
        Assert.Equal([16_777_215, 0, 7], loaded.GetIndexArray("perm"));
        Assert.Equal([1.5f, -0f, float.Epsilon], loaded.GetArray("weights"));
        Assert.Equal("stopped: ü", loaded.GetString("reason"));
        var restored = new Rng(999);
        loaded.LoadRng("rng", restored);
        Assert.Equal(rng.NextUInt64(), restored.NextUInt64());
        Assert.False(loaded.Contains("absent"));
        var ex = Assert.Throws<InvalidDataException>(() => loaded.GetLong("absent"));
        Assert.Contains("part/absent", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => bag.SetIndexArray("big", [1 << 24]));
    }

    [Fact]
    public void ADamagedStateFileIsReportedWithItsName()
    {
        using var dir = new TempFolder();
        new StateBag().Save(dir.Path);
        File.WriteAllText(Path.Combine(dir.Path, StateBag.JsonFile), "{ not json");
        var ex = Assert.Throws<InvalidDataException>(() => StateBag.Load(dir.Path));
        Assert.Contains(StateBag.JsonFile, ex.Message, StringComparison.Ordinal);
    }
}
