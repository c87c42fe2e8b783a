using MtlSharp.MultiTask.Distillation;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Tests.Training;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tests.Distillation;

/// <summary>Distral for supervised tasks: task networks and a shared network trained jointly through KL terms.</summary>
public sealed class DistralTests
{
    private const int Features = 5;

    /// <summary>One network per task (the no-sharing router), the shapes of <see cref="RepresentationGradientTests.SharedBottom"/>.</summary>
    private static RoutedModel PerTask()
    {
        var rng = new Rng(17);
        var layer = new RoutedLayer(new MlpComponents(3, [Features, 7], outputRelu: true, rng.Split()), FixedRouter.NoSharing(3, 3), CombineMode.Mean);
        var layer2 = new RoutedLayer(new MlpComponents(3, [7, 6], outputRelu: true, rng.Split()), FixedRouter.NoSharing(3, 3), CombineMode.Mean);
        return new RoutedModel(new RoutedNetwork([layer, layer2], new TaskHeads(6, [3, 1, 1], rng.Split()), 0f, 3));
    }

    [Fact]
    public void DistralTrainsTheTaskModelsAndItsKlTermsFall()
    {
        var tasks = RepresentationGradientTests.Tasks();
        var shared = RepresentationGradientTests.SharedBottom();
        var model = new DistralModel(PerTask(), shared, [.. tasks.Select(t => t.Info)], beta: 0.5f);
        var data = new SharedRowsTrainingData(tasks, 16, new Rng(3));
        var trainer = new Trainer(model, data, new SplitEvaluator(tasks, seed: 1), new TrainerOptions
        {
            TotalSteps = 300,
            Optimizers = [new Adam(model.Module.Parameters(), 0.01f)],
            Sampler = new AllTasksSampler(3),
            Noise = new Rng(1),
        });
        var arena = new TensorArena();
        var kl = new List<double>();
        var first = new float[3];
        var last = new float[3];
        for (int step = 0; step < 300; step++)
        {
            using var scope = arena.Enter();
            var result = trainer.Update(data.Next([0, 1, 2]), step);
            kl.Add(model.LastKl.Sum());
            if (step == 0 || step == 299)
            {
                result.Losses.AsSpan(0, 3).CopyTo(step == 0 ? first : last);
            }
        }

        // The task models learn their tasks; the KL between them and the shared model falls from its peak.
        for (int t = 0; t < 3; t++)
        {
            Assert.True(last[t] < first[t] * 0.75, $"task {t}: loss {first[t]} → {last[t]}");
        }

        double peak = kl.Max();
        double end = kl.Skip(270).Average();
        Assert.True(end < peak / 3, $"KL terms: peak {peak}, last 30 steps {end}");
        Assert.Contains(model.SharingScalars(), s => s.Name == "distral/kl/c");

        // The shared model learned from the task models alone (it has no labels): its KL to them is far below that of
        // a fresh shared model.
        var batch = data.Next([0, 1, 2]);
        var fresh = new DistralModel(model.TaskModels, RepresentationGradientTests.SharedBottom(), [.. tasks.Select(t => t.Info)], 0.5f);
        double KlOf(DistralModel m)
        {
            m.Forward(batch, new ForwardContext(0, true, new Rng(1), 1f));
            return m.Regularizers[^1].Compute(batch, new ForwardContext(0, true, new Rng(1), 1f))!.Item();
        }

        Assert.True(KlOf(model) < KlOf(fresh) / 3, $"{KlOf(model)} vs a fresh shared model's {KlOf(fresh)}");
    }

    [Fact]
    public void BothModelsAreInTheModuleAndOnlyTheTaskModelsOutputsAreEvaluated()
    {
        var tasks = RepresentationGradientTests.Tasks();
        var perTask = PerTask();
        var shared = RepresentationGradientTests.SharedBottom();
        var model = new DistralModel(perTask, shared, [.. tasks.Select(t => t.Info)], 1f);
        Assert.Equal(perTask.Module.Parameters().Count + shared.Module.Parameters().Count, model.Module.Parameters().Count);
        Assert.Contains(model.Module.NamedParameters(), p => p.Name.StartsWith("shared.", StringComparison.Ordinal));
        var batch = new SharedRowsTrainingData(tasks, 8, new Rng(3)).Next([0, 1, 2]);
        var eval = new ForwardContext(0, false, new Rng(1), 1f);
        Assert.Equal(perTask.Forward(batch, eval)[0].ToArray(), model.Forward(batch, eval)[0].ToArray());
        Assert.Null(model.Regularizers[^1].Compute(batch, eval));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistralModel(perTask, shared, [.. tasks.Select(t => t.Info)], -1f));
    }
}
