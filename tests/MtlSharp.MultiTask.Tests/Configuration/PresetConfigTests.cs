using MtlSharp.Testing;
using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;

namespace MtlSharp.MultiTask.Tests.Configuration;

/// <summary>The built-in configurations give exactly the runs of the code-built presets.</summary>
public sealed class PresetConfigTests
{
    [Theory]
    [InlineData("synthetic-gumbel", "gumbel", PresetId.SyntheticGumbel, RoutingMethod.Gumbel)]
    [InlineData("synthetic-gumbel", "no-sharing", PresetId.SyntheticGumbel, RoutingMethod.NoSharing)]
    [InlineData("synthetic-transfer", "no-sharing", PresetId.SyntheticTransfer, RoutingMethod.NoSharing)]
    [InlineData("synthetic-transfer", "shared-bottom", PresetId.SyntheticTransfer, RoutingMethod.SharedBottom)]
    public void ASyntheticPresetFromItsConfigurationEqualsTheCodeBuiltOne(string preset, string method, PresetId id, RoutingMethod m)
    {
        double rho = id == PresetId.SyntheticTransfer ? 0.5 : 1.0;   // synthetic-gumbel's pairs are always related (ρ = 1)
        var small = new JsonObject { ["data"] = new JsonObject { ["train"] = 600, ["test"] = 200, ["rho"] = rho } };
        var config = BuiltInConfigs.Load(preset).Resolve(method, small, null);
        var fromConfig = ExperimentRunner.Run(ConfigRunBuilder.Build(config, seed: 2, scale: 0.02), new RunOptions { TensorBoard = false });
        var settings = new ExperimentSettings { Seed = 2, ScheduleScale = 0.02, SyntheticTrainSize = 600, SyntheticTestSize = 200, Rho = rho };
        var fromCode = ExperimentRunner.Run(GumbelExperiments.Build(id, m, settings), new RunOptions { TensorBoard = false });
        Assert.Equal(fromCode.Updates, fromConfig.Updates);
        Assert.Equal(fromCode.Tasks, fromConfig.Tasks);
        Assert.Equal(fromCode.Allocation, fromConfig.Allocation);
        Assert.True(fromConfig.Updates > 0);
    }

    [Fact]
    public void TheMnist4ConfigurationBuildsTheCodeBuiltNetwork()
    {
        var config = BuiltInConfigs.Load("mnist4").Resolve("gumbel-budget", null, Fixtures.DatasetsDir);
        var a = ConfigRunBuilder.Build(config, seed: 4, scale: 0.001);
        var b = GumbelExperiments.Build(PresetId.Mnist4, RoutingMethod.GumbelBudget, new ExperimentSettings { Seed = 4, DataDirectory = Fixtures.DatasetsDir, ScheduleScale = 0.001 });
        var pa = a.Model.Module.NamedParameters();
        var pb = b.Model.Module.NamedParameters();
        Assert.Equal(pb.Select(p => p.Name), pa.Select(p => p.Name));
        for (int i = 0; i < pa.Count; i++)
        {
            Assert.Equal(pb[i].Parameter.Value.ToArray(), pa[i].Parameter.Value.ToArray());
        }

        Assert.Equal(b.Options.TotalSteps, a.Options.TotalSteps);
        Assert.Equal(b.Options.EvaluateEvery, a.Options.EvaluateEvery);
        Assert.Equal(b.Configuration, a.Configuration);
    }
}
