using MtlSharp.MultiTask.Distillation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Distillation;

/// <summary>Soft targets per token: a single-task tagger teaching the main task of a hard-sharing tagger on EWT.</summary>
public sealed class TaggingDistillationTests
{
    private static TaggingSettings Small(int seed) => new()
    {
        DataDirectory = Fixtures.DatasetsDir,
        TrainGenre = "weblog",
        EpochFraction = 0.02,
        MaxEpochs = 1,
        Seed = seed,
    };

    [Fact]
    public void TheSoftTermCoversTheRealTokensOfEachSentenceAndTheStudentTrains()
    {
        var teacherPlan = TaggingExperiments.Build(TaggingPreset.EwtDomains, TaggingMethod.SingleTask, Small(1));
        var plan = TaggingExperiments.Build(TaggingPreset.EwtDomains, TaggingMethod.HardSharing, Small(2));
        var tasks = plan.Data.Tasks;
        Assert.Equal(teacherPlan.Data.Tasks[0].Name, tasks[0].Name);   // the main task, DEPREL
        var teacher = new FrozenTeacher(teacherPlan.Model, 0);
        var distiller = new Distiller(tasks, [teacher, null], [new SoftTargetSettings(1f, 2f), SoftTargetSettings.Default]);

        var arena = new TensorArena();
        using var scope = arena.Enter();
        var batch = plan.Data.Next([0, 1]);
        var part = batch.Parts[0];
        var sentences = ((SentenceInput)part.Input).Value;
        var output = plan.Model.Forward(batch, new ForwardContext(0, true, new Rng(1), 1f))[0];
        var target = teacher.Outputs(part);
        Assert.Equal(output.Shape, target.Shape);

        // By hand: Σ over real tokens of T²·KL, divided by the sentences (padding positions contribute nothing).
        int classes = output.Shape[1];
        double sum = 0;
        int tokens = 0;
        for (int i = 0; i < output.Shape[0]; i++)
        {
            if (sentences.Mask[i] == 0f)
            {
                continue;
            }

            tokens++;
            var row = Tensor.FromArray(output.Span.Slice(i * classes, classes), 1, classes);
            sum += SoftTargets.Categorical(row, target.Span.Slice(i * classes, classes), 2f)!.Item();
        }

        Assert.True(tokens < output.Shape[0], "the batch should hold padding");
        var hard = TaskLoss.Compute(tasks[0], output, part.Targets);
        var mixed = distiller.Combine(part, output, hard)!.Value;
        Assert.Equal(sum / sentences.BatchSize, mixed.Loss.Item(), 3);
        Assert.Same(hard?.Loss, distiller.Combine(batch.Parts[1], plan.Model.Forward(batch, new ForwardContext(0, true, new Rng(1), 1f))[1], hard)?.Loss);   // no teacher: the hard loss
    }
}
