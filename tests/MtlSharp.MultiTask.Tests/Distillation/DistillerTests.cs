using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Distillation;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Tests.Training;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tests.Distillation;

/// <summary>Distillation as a part of the one loop: the per-task loss, the frozen teachers, λ = 0.</summary>
public sealed class DistillerTests
{
    private static readonly ForwardContext Train = new(0, true, new Rng(1), 1f);

    /// <summary>A teacher with other weights than the student's (the student's architecture, perturbed).</summary>
    private static RoutedModel Teacher()
    {
        var model = RepresentationGradientTests.SharedBottom();
        var rng = new Rng(99);
        foreach (var p in model.Module.Parameters())
        {
            var d = p.Data;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] += (float)rng.NextGaussian();
            }
        }

        return model;
    }

    private static Trainer Trainer(IMultiTaskModel model, TaskData[] tasks, Distiller? distiller) => new(
        model,
        new SharedRowsTrainingData(tasks, 16, new Rng(3)),
        new SplitEvaluator(tasks, seed: 1),
        new TrainerOptions
        {
            TotalSteps = 200,
            Optimizers = [new Adam(model.Module.Parameters(), 0.01f)],
            Sampler = new AllTasksSampler(3),
            Noise = new Rng(1),
            Distillation = distiller,
        });

    private static Distiller Distil(TaskData[] tasks, IReadOnlyList<ITeacher?> teachers, float alpha, float temperature = 2f) =>
        new([.. tasks.Select(t => t.Info)], teachers, [.. tasks.Select(_ => new SoftTargetSettings(alpha, temperature))]);

    private static void Steps(Trainer trainer, ITrainingData data, int count)
    {
        var arena = new TensorArena();
        for (int step = 0; step < count; step++)
        {
            using var scope = arena.Enter();
            trainer.Update(data.Next([0, 1, 2]), step);
        }
    }

    [Fact]
    public void LambdaZeroIsExactlyThePlainMultiTaskRunAndNeverAsksTheTeacher()
    {
        var tasks = RepresentationGradientTests.Tasks();
        var plain = RepresentationGradientTests.SharedBottom();
        var student = RepresentationGradientTests.SharedBottom();
        var a = Trainer(plain, tasks, null);
        var b = Trainer(student, tasks, Distil(tasks, [new ThrowingTeacher(), new ThrowingTeacher(), new ThrowingTeacher()], alpha: 0f));
        Steps(a, a.Data, 10);
        Steps(b, b.Data, 10);
        var pa = plain.Module.Parameters();
        var pb = student.Module.Parameters();
        for (int i = 0; i < pa.Count; i++)
        {
            Assert.Equal(pa[i].Data.ToArray(), pb[i].Data.ToArray());
        }
    }

    [Fact]
    public void TheTaskLossIsTheLambdaMixOfHardAndSoftTerms()
    {
        var tasks = RepresentationGradientTests.Tasks();
        var student = RepresentationGradientTests.SharedBottom();
        var teacher = Teacher();
        var batch = new SharedRowsTrainingData(tasks, 16, new Rng(3)).Next([0, 1, 2]);
        var outputs = student.Forward(batch, Train);
        var teacherOut = teacher.Forward(batch, Train with { Training = false });
        foreach (float lambda in new[] { 0.25f, 1f })
        {
            var d = Distil(tasks, [new FrozenTeacher(teacher, 0), new FrozenTeacher(teacher, 1), new FrozenTeacher(teacher, 2)], lambda, temperature: 3f);
            for (int i = 0; i < 3; i++)
            {
                var part = batch.Parts[i];
                var hard = TaskLoss.Compute(tasks[part.Task].Info, outputs[i], part.Targets)!.Value;
                float soft = SoftTargets.ForTask(tasks[part.Task].Kind, outputs[i], teacherOut[i].Span, 3f)!.Item();
                var mixed = d.Combine(part, outputs[i], hard)!.Value;
                Assert.Equal(((1 - lambda) * hard.Loss.Item()) + (lambda * soft), mixed.Loss.Item(), 5);
                Assert.True(soft > 1e-3, $"task {part.Task}: the teacher should disagree with the student");
            }
        }
    }

    [Fact]
    public void RowsWithoutLabelsStillLearnFromTheTeacher()
    {
        var tasks = RepresentationGradientTests.Tasks();
        var student = RepresentationGradientTests.SharedBottom();
        var teacher = Teacher();
        var part = new SharedRowsTrainingData(tasks, 8, new Rng(3)).Next([0]).Parts[0];
        var unlabelled = part with { Targets = new TaskTargets(part.Targets.Labels, null, new float[8]) };
        var output = student.Forward(new MultiTaskBatch([unlabelled]), Train)[0];
        Assert.Null(TaskLoss.Compute(tasks[0].Info, output, unlabelled.Targets));
        var d = Distil(tasks, [new FrozenTeacher(teacher, 0), null, null], 0.5f);
        var loss = d.Combine(unlabelled, output, null);
        Assert.NotNull(loss);
        float soft = SoftTargets.Categorical(output, new FrozenTeacher(teacher, 0).Outputs(unlabelled).Span, 2f)!.Item();
        Assert.Equal(0.5f * soft, loss.Value.Loss.Item(), 5);
    }

    [Fact]
    public void TeachersAreNotUpdatedWhileTheStudentTrains()
    {
        var tasks = RepresentationGradientTests.Tasks();
        var student = RepresentationGradientTests.SharedBottom();
        var teacher = Teacher();
        var before = teacher.Module.Parameters().Select(p => p.Data.ToArray()).ToArray();
        var studentBefore = student.Module.Parameters()[0].Data.ToArray();
        var t = Trainer(student, tasks, Distil(tasks, [new FrozenTeacher(teacher, 0), new FrozenTeacher(teacher, 1), new FrozenTeacher(teacher, 2)], 0.7f));
        Steps(t, t.Data, 10);
        var after = teacher.Module.Parameters();
        for (int i = 0; i < after.Count; i++)
        {
            Assert.Equal(before[i], after[i].Data.ToArray());
            Assert.False(after[i].HasGrad, $"{after[i].Name} received a gradient");
        }

        Assert.NotEqual(studentBefore, student.Module.Parameters()[0].Data.ToArray());
        Assert.False(teacher.Module.IsTraining);
    }

    [Fact]
    public void DistillationPullsTheStudentTowardsTheTeacher()
    {
        var tasks = RepresentationGradientTests.Tasks();
        var student = RepresentationGradientTests.SharedBottom();
        var teacher = Teacher();
        var batch = new SharedRowsTrainingData(tasks, 64, new Rng(4)).Next([0, 1, 2]);
        var probe = new FrozenTeacher(teacher, 0);
        float Kl() => SoftTargets.Categorical(student.Forward(batch, Train with { Training = false })[0], probe.Outputs(batch.Parts[0]).Span, 1f)!.Item();
        float start = Kl();
        var t = Trainer(student, tasks, Distil(tasks, [probe, new FrozenTeacher(teacher, 1), new FrozenTeacher(teacher, 2)], 1f));
        Steps(t, t.Data, 200);
        Assert.True(Kl() < start / 2, $"KL to the teacher {start} → {Kl()}");
    }

    [Fact]
    public void TheLoopRejectsADistillerOfOtherTasks()
    {
        var tasks = RepresentationGradientTests.Tasks();
        var other = new Distiller([TaskInfo.Classification("c", 3), TaskInfo.Regression("r1"), TaskInfo.Regression("zz")], [null, null, null], [SoftTargetSettings.Default, SoftTargetSettings.Default, SoftTargetSettings.Default]);
        var e = Assert.Throws<ArgumentException>(() => Trainer(RepresentationGradientTests.SharedBottom(), tasks, other));
        Assert.Contains("distiller's tasks", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Fails the test if the loop ever asks it for outputs.</summary>
    private sealed class ThrowingTeacher : ITeacher
    {
        public Tensor Outputs(TaskBatch part) => throw new InvalidOperationException("λ = 0 must not run the teacher.");
    }
}
