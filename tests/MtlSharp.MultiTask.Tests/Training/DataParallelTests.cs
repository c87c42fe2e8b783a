using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN;
using MtlSharp.NN.Optim;

namespace MtlSharp.MultiTask.Tests.Training;

/// <summary>
/// The loop's data parallelism (<see cref="TrainerOptions.GradientReducer"/>) in one process: two trainers on two
/// threads joined by an in-memory reducer stand for two MPI processes. Their updates are bit-identical to each other
/// and, within float tolerance, the update of one trainer with the whole batch — also when one half of the batch has
/// no label for a task (that task's loss is a constant there, and its head has a gradient on one process only), with
/// a loss weighting and with a gradient aggregator (per-task rows summed before aggregation).
/// </summary>
public sealed class DataParallelTests
{
    [Theory]
    [InlineData(false, 0f)]
    [InlineData(true, 0f)]
    [InlineData(false, 0.5f)]
    [InlineData(true, 0.5f)]
    public void TwoSharesOfABatchGiveTheWholeBatchUpdate(bool aggregate, float dropout)
    {
        // With dropout, each share's rows get the masks that one process draws for them from the whole batch's.
        var single = Build(aggregate, null, dropout);
        var pair = new PairReducer();
        var rank0 = Build(aggregate, pair.Rank(0), dropout);
        var rank1 = Build(aggregate, pair.Rank(1), dropout);
        for (int step = 0; step < 3; step++)
        {
            var batch = HalfLabelled(single.Data.Next([0, 1]));
            _ = rank0.Data.Next([0, 1]);   // keep every trainer's data in step (the batch itself is the one above)
            _ = rank1.Data.Next([0, 1]);
            var expected = single.Trainer.Update(batch, step);
            StepResult r0 = default, r1 = default;
            var t0 = new Thread(() => r0 = rank0.Trainer.Update(batch, step));
            var t1 = new Thread(() => r1 = rank1.Trainer.Update(batch, step));
            t0.Start();
            t1.Start();
            t0.Join();
            t1.Join();
            Assert.Equal(r0.Losses, r1.Losses);
            for (int t = 0; t < expected.Losses.Length; t++)
            {
                Assert.Equal(expected.Losses[t], r0.Losses[t], 1e-5f * Math.Abs(expected.Losses[t]));
            }
        }

        var p = single.Parameters;
        for (int i = 0; i < p.Count; i++)
        {
            Assert.Equal(rank0.Parameters[i].Data.ToArray(), rank1.Parameters[i].Data.ToArray());
            Assert.Equal(p[i].HasGrad, rank0.Parameters[i].HasGrad);
            float[] a = p[i].Data.ToArray(), b = rank0.Parameters[i].Data.ToArray();
            for (int k = 0; k < a.Length; k++)
            {
                Assert.Equal(a[k], b[k], 1e-5f + (1e-4f * Math.Abs(a[k])));
            }
        }

        // The whole batch moved the parameters (a test that nothing changed would pass trivially).
        var fresh = Build(aggregate, null, dropout).Parameters;
        Assert.Contains(Enumerable.Range(0, p.Count), i => !p[i].Data.SequenceEqual(fresh[i].Data));
    }

    [Fact]
    public void RepresentationGradientsAreRefusedWithAReason()
    {
        var plan = GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.SharedBottom, TrainerTests.Small(7, 0.05));
        var options = plan.Options with
        {
            Sampler = new AllTasksSampler(2),
            Aggregator = new MeanAggregator(),
            GradientSpace = GradientSpace.Representation,
            GradientReducer = new PairReducer().Rank(0),
        };
        var e = Assert.Throws<NotSupportedException>(() => new Trainer(plan.Model, plan.Data, plan.Evaluator, options));
        Assert.Contains("Representation gradients", e.Message, StringComparison.Ordinal);
    }

    private static (Trainer Trainer, ITrainingData Data, IReadOnlyList<Parameter> Parameters) Build(bool aggregate, IGradientReducer? reducer, float dropout = 0f)
    {
        // synthetic-transfer's shared bottom (TrainerTests.Small's sizes), with dropout before the heads when asked.
        var patch = new JsonObject
        {
            ["data"] = new JsonObject { ["train"] = 4000, ["test"] = 1000 },
            ["model"] = new JsonObject { ["dropout"] = dropout },
        };
        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("synthetic-transfer").ResolveWithoutFiles("shared-bottom", patch), 7, 0.05);
        var all = plan.Model.Module.Parameters();
        var options = plan.Options with
        {
            Optimizers = [new Adam(all, 0.01f)],
            Sampler = new AllTasksSampler(2),
            Aggregator = aggregate ? new MeanAggregator() : null,
            ClipNorm = 0,
            GradientReducer = reducer,
        };
        return (new Trainer(plan.Model, plan.Data, plan.Evaluator, options), plan.Data, all);
    }

    /// <summary>Task 1 labelled only in the second half of the rows (rank 0's share has none of its labels).</summary>
    private static MultiTaskBatch HalfLabelled(MultiTaskBatch batch)
    {
        var part = batch.Parts[1];
        int rows = part.Targets.Rows;
        var mask = Enumerable.Range(0, rows).Select(i => i < rows / 2 ? 0f : 1f).ToArray();
        return new MultiTaskBatch([batch.Parts[0], part with { Targets = new TaskTargets(part.Targets.Labels, part.Targets.Values, mask) }]);
    }

    /// <summary>Two in-process "processes": each collective waits for both, then each sums or copies in rank order.</summary>
    private sealed class PairReducer
    {
        private readonly Barrier _barrier = new(2);
        private readonly byte[][] _slots = new byte[2][];

        public IGradientReducer Rank(int rank) => new Member(this, rank);

        private void Exchange(int rank, ReadOnlySpan<byte> mine, Span<byte> all)
        {
            _slots[rank] = mine.ToArray();
            _barrier.SignalAndWait();
            _slots[0].CopyTo(all);
            _slots[1].CopyTo(all[_slots[0].Length..]);
            _barrier.SignalAndWait();
        }

        private sealed class Member(PairReducer pair, int rank) : IGradientReducer
        {
            public int Rank => rank;

            public int Size => 2;

            public void Gather(ReadOnlySpan<byte> mine, Span<byte> all) => pair.Exchange(rank, mine, all);

            public void Sum(Span<float> values)
            {
                var all = new byte[values.Length * 8];
                pair.Exchange(rank, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values), all);
                var f = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(all.AsSpan());
                System.Numerics.Tensors.TensorPrimitives.Add(f[..values.Length], f[values.Length..], values);
            }
        }
    }
}
