using System.Text.Json.Nodes;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Training;

/// <summary>
/// The loop's data parallelism (<see cref="TrainerOptions.GradientReducer"/>) in one process: two trainers on two
/// threads joined by an in-memory reducer stand for two MPI processes. Their updates are bit-identical to each other
/// and, within float tolerance, the update of one trainer with the whole batch — also when one half of the batch has
/// no label for a task (that task's loss is a constant there, and its head has a gradient on one process only), with
/// a loss weighting and with a gradient aggregator (per-task rows summed before aggregation), with dropout (each share's
/// rows get the whole batch's masks), and with representation gradients (MGDA-UB: per-row gradients gathered).
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
        AssertSharesGiveTheWholeBatchUpdate(reducer => Build(aggregate, reducer, dropout), [0, 1]);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.5f)]
    public void RepresentationGradientsOfTwoSharesGiveTheWholeBatchUpdate(float dropout)
    {
        // MGDA-UB: the per-task gradients with respect to the shared representation are gathered (rows of both shares)
        // and aggregated alike by both processes; each back-propagates its rows' part of the direction.
        AssertSharesGiveTheWholeBatchUpdate(reducer => BuildRepresentation(reducer, dropout), [0, 1, 2]);
    }

    [Fact]
    public void ACancellationOnOneProcessStopsBothAfterTheSameUpdate()
    {
        // Rank 1 alone is cancelled after update 5; it says so with update 6's losses, and both stop after update 6
        // (rank 0 would otherwise wait for rank 1 in update 7's collectives: the threads would not end).
        var pair = new PairReducer();
        using var cts = new CancellationTokenSource();
        var rank0 = Build(false, pair.Rank(0));
        var rank1 = Build(false, pair.Rank(1), callbacks: [new CancelAt(5, cts)]);
        TrainingOutcome? o0 = null, o1 = null;
        var t0 = new Thread(() => o0 = rank0.Trainer.Train()) { IsBackground = true };
        var t1 = new Thread(() => o1 = rank1.Trainer.Train(cts.Token)) { IsBackground = true };
        t0.Start();
        t1.Start();
        Assert.True(t0.Join(TimeSpan.FromSeconds(60)) && t1.Join(TimeSpan.FromSeconds(60)), "a process did not stop");
        Assert.True(o0!.Cancelled && o1!.Cancelled);
        Assert.Equal(6, o0.Updates);
        Assert.Equal(6, o1.Updates);
        for (int i = 0; i < rank0.Parameters.Count; i++)
        {
            Assert.Equal(rank0.Parameters[i].Data.ToArray(), rank1.Parameters[i].Data.ToArray());
        }
    }

    [Fact]
    public void TwoSharesOfASentenceBatchGiveTheWholeBatchUpdateOfATagger()
    {
        // A sluice tagger with word dropout and input noise: each share computes its sentences with the whole batch's
        // noise, its loss scaled by its fraction of the batch's sentences. Batches of 3, 1 (fewer sentences than
        // processes: rank 0 computes the sentence with weight 0) and 5 sentences.
        var single = BuildTagger(null);
        var pair = new PairReducer();
        var rank0 = BuildTagger(pair.Rank(0));
        var rank1 = BuildTagger(pair.Rank(1));
        int step = 0;
        foreach (int[] indices in new[] { new[] { 0, 1, 2 }, [3], [4, 5, 6, 7, 8] })
        {
            var input = new SentenceInput(single.Batcher.Create(single.Sentences, indices));
            var batch = new MultiTaskBatch([.. Enumerable.Range(0, 2).Select(m =>
                new TaskBatch(m, input, new TaskTargets(input.Value.TagIds[m], null, input.Value.TagMasks[m], input.Value.BatchSize)))]);
            UpdateBothRanksLike(single.Trainer.Update(batch, step), rank0.Trainer, rank1.Trainer, batch, step);
            step++;
        }

        var p = single.Parameters;
        var fresh = BuildTagger(null).Parameters;
        Assert.Contains(Enumerable.Range(0, p.Count), i => !p[i].Data.SequenceEqual(fresh[i].Data));
        for (int i = 0; i < p.Count; i++)
        {
            Assert.Equal(rank0.Parameters[i].Data.ToArray(), rank1.Parameters[i].Data.ToArray());
            float[] a = p[i].Data.ToArray(), b = rank0.Parameters[i].Data.ToArray();
            for (int k = 0; k < a.Length; k++)
            {
                Assert.Equal(a[k], b[k], 1e-5f + (1e-4f * Math.Abs(a[k])));
            }
        }
    }

    private static readonly Lazy<List<TaggedSentence>> TaggerSentences = new(() =>
        UdEnglishEwt.LoadTagged(Path.Combine(Fixtures.DatasetsDir, "ud-english-ewt"), "dev").Where(s => s.Length is >= 3 and <= 14).Take(9).ToList());

    /// <summary>A tiny sluice tagger (word dropout 0.25, input noise 0.2, SGD, clipping at 5) over nine EWT dev sentences.</summary>
    /// <summary>
    /// One update of <paramref name="batch"/> on both ranks at once (each on its own thread: they meet in the
    /// allreduce); both report the same losses, those of the single-process update <paramref name="expected"/>.
    /// </summary>
    private static void UpdateBothRanksLike(StepResult expected, Trainer rank0, Trainer rank1, MultiTaskBatch batch, long step)
    {
        StepResult r0 = default, r1 = default;
        var t0 = new Thread(() => r0 = rank0.Update(batch, step));
        var t1 = new Thread(() => r1 = rank1.Update(batch, step));
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

    private static (Trainer Trainer, SentenceBatcher Batcher, List<TaggedSentence> Sentences, IReadOnlyList<Parameter> Parameters) BuildTagger(IGradientReducer? reducer)
    {
        var sentences = TaggerSentences.Value;
        var tasks = new[] { TaggingTask.DeprelBase(sentences), TaggingTask.Upos(sentences) };
        var words = Vocabulary.ForWords(sentences);
        var batcher = new SentenceBatcher(words, tasks, Vocabulary.ForCharacters(sentences), CharLayout.Padded, 30);
        var config = TaggerConfig.ForMethod(TaggingMethod.Sluice, 2) with { WordDim = 6, CharDim = 5, CharHidden = 4, Hidden = 4, MlpHidden = 5, InputNoise = 0.2f };
        var tagger = new SequenceTagger(config, words.Count, batcher.Chars!.Count, tasks.Select(t => t.NumTags).ToArray(), new Rng(3));
        var model = new TaggerModel(tagger, 0.25f, words.UnknownId);
        var rng = new Rng(5);
        var data = new SentenceTrainingData(sentences, batcher, tasks.Select(t => t.Info).ToArray(), 3, 1.0, rng);
        var all = tagger.Parameters();
        var options = new TrainerOptions
        {
            TotalSteps = 10,
            Optimizers = [new Sgd(all, 0.2f)],
            Sampler = new AllTasksSampler(2),
            ClipNorm = 5,
            Noise = rng,
            GradientReducer = reducer,
        };
        return (new Trainer(model, data, new TaggingEvaluator(batcher, sentences, sentences), options), batcher, sentences, all);
    }

    /// <summary>
    /// Three updates of one trainer with the whole batch (task 1 labelled only in the second half) against two trainers
    /// with one share each: the same losses and parameters (the pair bit-identical to each other).
    /// </summary>
    private static void AssertSharesGiveTheWholeBatchUpdate(Func<IGradientReducer?, (Trainer Trainer, ITrainingData Data, IReadOnlyList<Parameter> Parameters)> build, int[] tasks)
    {
        var single = build(null);
        var pair = new PairReducer();
        var rank0 = build(pair.Rank(0));
        var rank1 = build(pair.Rank(1));
        for (int step = 0; step < 3; step++)
        {
            var batch = HalfLabelled(single.Data.Next(tasks));
            _ = rank0.Data.Next(tasks);   // keep every trainer's data in step (the batch itself is the one above)
            _ = rank1.Data.Next(tasks);
            UpdateBothRanksLike(single.Trainer.Update(batch, step), rank0.Trainer, rank1.Trainer, batch, step);
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
        var fresh = build(null).Parameters;
        Assert.Contains(Enumerable.Range(0, p.Count), i => !p[i].Data.SequenceEqual(fresh[i].Data));
    }

    /// <summary>Three tasks reading one input (RepresentationGradientTests' data and shared bottom), MGDA-UB, Adam.</summary>
    private static (Trainer Trainer, ITrainingData Data, IReadOnlyList<Parameter> Parameters) BuildRepresentation(IGradientReducer? reducer, float dropout)
    {
        var tasks = RepresentationGradientTests.Tasks();
        var model = RepresentationGradientTests.SharedBottom(dropout: dropout);
        var data = new SharedRowsTrainingData(tasks, 16, new Rng(3));
        var all = model.Module.Parameters();
        var options = new TrainerOptions
        {
            TotalSteps = 10,
            Optimizers = [new Adam(all, 0.01f)],
            Sampler = new AllTasksSampler(3),
            Aggregator = new MgdaAggregator(),
            GradientSpace = GradientSpace.Representation,
            Noise = new Rng(1),
            GradientReducer = reducer,
        };
        return (new Trainer(model, data, new SplitEvaluator(tasks, seed: 1), options), data, all);
    }

    private static (Trainer Trainer, ITrainingData Data, IReadOnlyList<Parameter> Parameters) Build(bool aggregate, IGradientReducer? reducer, float dropout = 0f,
        IReadOnlyList<ITrainingCallback>? callbacks = null)
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
        return (new Trainer(plan.Model, plan.Data, plan.Evaluator, options, callbacks), plan.Data, all);
    }

    /// <summary>Task 1 labelled only in the second half of the rows (rank 0's share has none of its labels).</summary>
    private static MultiTaskBatch HalfLabelled(MultiTaskBatch batch)
    {
        var part = batch.Parts[1];
        int rows = part.Targets.Rows;
        var mask = Enumerable.Range(0, rows).Select(i => i < rows / 2 ? 0f : 1f).ToArray();
        return new MultiTaskBatch([batch.Parts[0], part with { Targets = new TaskTargets(part.Targets.Labels, part.Targets.Values, mask) }]);
    }

    /// <summary>Cancels <paramref name="cts"/> once the run has done <paramref name="step"/> updates (Ctrl-C on one process).</summary>
    private sealed class CancelAt(long step, CancellationTokenSource cts) : TrainingCallback
    {
        public override string Name => "cancel";

        public override void OnStep(TrainingRun run, in StepResult result)
        {
            if (run.Step == step)
            {
                cts.Cancel();
            }
        }
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

            public void GatherVarying(ReadOnlySpan<float> mine, Span<float> all, ReadOnlySpan<int> counts)
            {
                var bytes = new byte[(counts[0] + counts[1]) * sizeof(float)];
                pair.Exchange(rank, System.Runtime.InteropServices.MemoryMarshal.AsBytes(mine), bytes);
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan()).CopyTo(all);
            }

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
