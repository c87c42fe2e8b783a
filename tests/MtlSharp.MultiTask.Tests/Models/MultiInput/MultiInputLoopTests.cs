using MtlSharp.Data.Tasks;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models.MultiInput;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tests.Models.MultiInput;

/// <summary>
/// Tasks over four input types in one model — sentence classification on letter-trigram bags, per-token tagging on
/// token sequences, image classification, regression on table rows — with a dense and a Gumbel-Matrix routed core:
/// batches holding every input type go through every gradient aggregator and loss weighting of the one loop, and a
/// one-task-per-step run trains and evaluates every task.
/// </summary>
public sealed class MultiInputLoopTests
{
    private static readonly string[] s_vocab = ["good", "bad", "apple", "orange", "idea", "car", "under", "tree", "eat", "run"];

    private sealed record Setup(TaskInfo[] Tasks, ITaskExamples[] Train, ITaskExamples[] Test, IInputEncoder[] Encoders);

    private static Setup Build(int n, Rng rng)
    {
        // Sentences of 2–6 words; class: does "good" occur; tags: does the word start with a vowel.
        var sentences = new TaggedSentence[n];
        for (int i = 0; i < n; i++)
        {
            var ws = Enumerable.Range(0, 2 + rng.NextInt(5)).Select(_ => s_vocab[rng.NextInt(s_vocab.Length)]).ToArray();
            var tags = ws.Select(w => "aeiou".Contains(w[0], StringComparison.Ordinal) ? "V" : "C").ToArray();
            sentences[i] = new TaggedSentence(ws, new Dictionary<string, string[]> { ["T"] = tags }, $"synthetic:{i}");
        }

        int[] hasGood = sentences.Select(s => s.Words.Contains("good") ? 1 : 0).ToArray();
        var hasher = new LetterTrigramHasher(31);
        var bags = sentences.Select(s => hasher.Bag(s.Words)).ToArray();
        var tagging = TaggingTask.FromColumn("tags", "T", sentences);
        var words = Vocabulary.ForWords(sentences);
        var chars = Vocabulary.ForCharacters(sentences);
        var batcher = new SentenceBatcher(words, [tagging], chars, CharLayout.Padded, 8);

        // Images 1×8×8: class 1 when the left half is brighter. Table rows of 5 features: target x0 − 2·x1.
        var pixels = new float[n * 64];
        rng.FillNormal(pixels, 0f, 1f);
        int[] brighter = Enumerable.Range(0, n).Select(i =>
            Enumerable.Range(0, 64).Sum(p => (p % 8 < 4 ? 1f : -1f) * pixels[(i * 64) + p]) > 0 ? 1 : 0).ToArray();
        var rows = new float[n * 5];
        rng.FillNormal(rows, 0f, 1f);
        float[] target = Enumerable.Range(0, n).Select(i => rows[i * 5] - (2 * rows[(i * 5) + 1])).ToArray();

        ITaskExamples[] Sets(int from, int count)
        {
            int[] idx = Enumerable.Range(from, count).ToArray();
            var s = idx.Select(i => sentences[i]).ToArray();
            var b = idx.Select(i => bags[i]).ToArray();
            return
            [
                new LabelledExamples(idx.Select(i => hasGood[i]).ToArray(), r => new BagInput(r.Select(k => b[k]).ToArray())),
                new SentenceTagExamples(s, batcher, 0),
                new SplitExamples(new TaskSplit(pixels.AsSpan(from * 64, count * 64).ToArray(), [1, 8, 8], brighter[from..(from + count)], null)),
                new SplitExamples(new TaskSplit(rows.AsSpan(from * 5, count * 5).ToArray(), [5], null, target[from..(from + count)])),
            ];
        }

        var small = new TaggerConfig { WordDim = 4, CharDim = 3, CharHidden = 2, Hidden = 4 };
        IInputEncoder[] encoders =
        [
            new TrigramBagEncoder(31, 6, rng),
            new BiLstmTokenEncoder(words.Count, chars.Count, small, 1, 6, rng),
            new ConvImageEncoder(1, 8, 8, 2, 3, 6, rng),
            new DenseEncoder(5, 6, rng),
        ];
        TaskInfo[] tasks = [TaskInfo.Classification("good", 2), tagging.Info, TaskInfo.Classification("brighter", 2), TaskInfo.Regression("rows")];
        int train = n * 3 / 4;
        return new Setup(tasks, Sets(0, train), Sets(train, n - train), encoders);
    }

    private static MultiInputModel Model(Setup s, bool gumbel, Rng rng)
    {
        int[] outputs = s.Tasks.Select(t => t.Outputs).ToArray();
        if (!gumbel)
        {
            return new MultiInputModel(s.Encoders, [0, 1, 2, 3], [6], outputs, rng);
        }

        var spec = new RoutedModelSpec { Router = RouterKind.Gumbel, Layers = [new MlpLayerSpec(3, [6], true)] };
        var core = ConfigRunBuilder.Network(spec, s.Tasks.Select(t => t.Name).ToArray(), outputs, [6], null, rng);
        return new MultiInputModel(s.Encoders, [0, 1, 2, 3], core);
    }

    private static TrainerOptions Options(ExampleTrainingData data, MultiInputModel model, SamplerKind sampler, long steps, Rng rng) => new()
    {
        TotalSteps = steps,
        Optimizers = [new Adam(model.Parameters(), 0.01f)],
        Sampler = Samplers.Create(sampler, data, rng.Split()),
        Noise = rng.Split(),
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MultiInputBatchesGoThroughEveryStrategy(bool gumbel)
    {
        var rng = new Rng(11);
        var setup = Build(24, rng);
        var model = Model(setup, gumbel, rng);
        var data = new ExampleTrainingData(setup.Tasks, setup.Train, 5, setup.Tasks.Select(_ => rng.Split()).ToArray());
        var evaluator = new ExampleEvaluator(setup.Tasks, setup.Test, null);
        var arena = new TensorArena();
        int runs = 0;
        foreach (var (aggregator, weighting) in ConfigNames.Aggregators.Values.Where(a => a != AggregatorKind.None).Select(a => (a, (LossWeightingKind?)null))
            .Concat(ConfigNames.Weightings.Values.Select(w => (AggregatorKind.None, (LossWeightingKind?)w))))
        {
            var options = Options(data, model, SamplerKind.All, 3, rng) with
            {
                Aggregator = Aggregators.Create(aggregator, rng.Split()),
                Weighting = weighting is { } w ? LossWeightings.Create(w, setup.Tasks.Length, rng.Split()) : null,
            };
            var trainer = new Trainer(model, data, evaluator, options);
            for (int step = 0; step < 3; step++)
            {
                using var scope = arena.Enter();
                var batch = data.Next([0, 1, 2, 3]);
                Assert.Equal(3, batch.Parts.Select(p => p.Input.GetType()).Distinct().Count());   // bags, sentences, tensors (images and rows)
                var result = trainer.Update(batch, step);
                Assert.Equal(4, result.Losses.Length);
                Assert.All(result.Losses, l => Assert.True(float.IsFinite(l), $"{aggregator}/{weighting}: loss {l}"));
            }

            Assert.All(model.Parameters(), p => Assert.True(p.Data.ToArray().All(float.IsFinite), $"{aggregator}/{weighting}: {p.Name}"));
            runs++;
        }

        Assert.Equal(ConfigNames.Aggregators.Count - 1 + ConfigNames.Weightings.Count, runs);
        if (gumbel)
        {
            Assert.Contains(model.SharingScalars(), s => s.Name == "allocation/layer0/task3/c2");
        }
    }

    [Fact]
    public void OneTaskPerStepRunTrainsAndEvaluatesEveryTask()
    {
        var rng = new Rng(12);
        var setup = Build(40, rng);
        var model = Model(setup, gumbel: true, rng);
        var data = new ExampleTrainingData(setup.Tasks, setup.Train, 6, setup.Tasks.Select(_ => rng.Split()).ToArray());
        var evaluator = new ExampleEvaluator(setup.Tasks, setup.Test, setup.Test);
        var before = evaluator.Evaluate(model, EvaluationSplit.Test);
        var options = Options(data, model, SamplerKind.Rounds, 120, rng) with { EvaluateEvery = 40 };
        var outcome = new Trainer(model, data, evaluator, options).Train();
        Assert.Equal(120, outcome.Updates);
        Assert.All(outcome.Tasks, t => Assert.True(double.IsFinite(t.Test), $"{t.Name}: {t.Test}"));
        Assert.InRange(outcome.Tasks[1].Test, 0, 1);   // token accuracy over the labelled tokens
        Assert.True(outcome.Tasks[3].Test < before[3], $"rows MSE {outcome.Tasks[3].Test} did not fall below {before[3]}");
    }
}
