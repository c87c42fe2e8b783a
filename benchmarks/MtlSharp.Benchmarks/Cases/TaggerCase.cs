using MtlSharp.Data.Tasks;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;

namespace MtlSharp.Benchmarks.Cases;

/// <summary>
/// One training update of the sluice paper's BiLSTM tagger (word embeddings 64, character BiLSTM 100, 3 BiLSTM
/// layers of 100, a 100-unit MLP per task, 2 tasks with 36 and 17 tags, vocabularies of 5000 words and 100
/// characters): forward, masked cross-entropy, backward, gradient clipping at 5, SGD step. Batches of 8 or 32
/// synthetic sentences with lengths 5 + (13·b mod 21) and word lengths 1 + ((7·b + 3·t) mod 9), trained through
/// the one loop (<see cref="Trainer"/>). "tagger/hard_*"
/// is hard sharing (one stack; the same model as benchmarks/torch/bench_tagger.py with nn.LSTM); "tagger/sluice_*"
/// (C# only) is the sluice network with two task stacks, α/β units and the orthogonality penalty. Tokens per
/// second = tokens per batch / seconds per iteration (tokens in the key).
/// </summary>
internal sealed class TaggerCase : IBenchCase
{
    public string Name => "tagger";

    /// <summary>The synthetic batch's sentences (same formulas as the PyTorch script).</summary>
    internal static List<TaggedSentence> Sentences(int batch)
    {
        var list = new List<TaggedSentence>();
        for (int b = 0; b < batch; b++)
        {
            int len = 5 + (13 * b % 21);
            var words = new string[len];
            var tagA = new string[len];
            var tagB = new string[len];
            for (int t = 0; t < len; t++)
            {
                int chars = 1 + (((7 * b) + (3 * t)) % 9);
                words[t] = string.Concat(Enumerable.Range(0, chars).Select(j => (char)('a' + ((b + t + j) % 26))));
                tagA[t] = $"d{((b * 5) + t) % 36}";
                tagB[t] = $"u{((b * 3) + t) % 17}";
            }

            list.Add(new TaggedSentence(words, new Dictionary<string, string[]> { ["A"] = tagA, ["B"] = tagB }, $"synthetic:{b}"));
        }

        return list;
    }

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        foreach (int batch in (int[])[8, 32])
        {
            foreach (TaggingMethod method in (TaggingMethod[])[TaggingMethod.HardSharing, TaggingMethod.Sluice])
            {
                // The key's token count is known only once the batch is built; the filter sees the key without it.
                if (BenchFilter.Matches($"tagger/{MethodName(method)}_b{batch}_"))
                {
                    yield return One(batch, method, options);
                }
            }
        }
    }

    private static string MethodName(TaggingMethod method) => method == TaggingMethod.Sluice ? "sluice" : "hard";

    // The old TaggerTrainer had a public per-step method (Step on a prepared batch). The case drives the one loop's
    // Trainer.Train instead (Trainer.Update exists too, but Train also times exactly what a run times), wired as TaggingExperiments.Build wires a
    // tagging run — every task each step (AllTasksSampler), one SGD with the loss weighting's parameters in a group
    // at 0.01 × the LR, clip 5, a fresh arena every 32 updates (the old Step's ArenaRenewal), no word dropout —
    // on a data source that returns the same prepared batch each step (FixedSentenceData), so the timed work is
    // the update as before: forward, masked per-sentence cross-entropy, weighting, orthogonality penalty, backward,
    // clipping, SGD step (plus the loop's trivial sampler/batch wrapping). Timing: TrainSeconds / Updates of runs of
    // growing length (LoopTiming), which excludes the loop's set-up and final evaluation.
    private BenchResult One(int batchSize, TaggingMethod method, BenchOptions options)
    {
        var sentences = Sentences(batchSize);
        var tasks = new[] { TaggingTask.FromColumn("A", "A", sentences), TaggingTask.FromColumn("B", "B", sentences) };
        var words = Vocabulary.ForWords(sentences);
        var batcher = new SentenceBatcher(words, tasks, Vocabulary.ForCharacters(sentences), CharLayout.Padded, 30);
        var batch = batcher.Create(sentences);
        var tagger = new SequenceTagger(TaggerConfig.ForMethod(method, 2), 5000, 100, [36, 17], new Rng(7));
        var model = new TaggerModel(tagger, 0f, words.UnknownId);
        var infos = tasks.Select(t => TaskInfo.Tagging(t.Name, t.NumTags)).ToArray();
        var data = new FixedSentenceData(batch, infos);
        var evaluator = new TaggingEvaluator(batcher, [], sentences);
        const float lr = 0.1f;

        TrainingOutcome Train(long steps)
        {
            ILossWeighting weighting = method == TaggingMethod.Sluice ? new UncertaintyWeighting(2) : FixedWeighting.Equal(2);
            var groups = new List<OptimizerGroup> { new(tagger.Parameters(), lr) };
            if (weighting.Parameters.Count > 0)
            {
                groups.Add(new OptimizerGroup(weighting.Parameters, lr * TaggingExperiments.StrategyLearningRateScale));
            }

            var trainerOptions = new TrainerOptions
            {
                TotalSteps = steps,
                Optimizers = [new Sgd(groups)],
                Sampler = new AllTasksSampler(2),
                Weighting = weighting,
                ClipNorm = TaggingExperiments.ClipNorm,
                Noise = new Rng(1),
                RenewArenaEvery = TaggingExperiments.ArenaRenewal,
            };
            return new Trainer(model, data, evaluator, trainerOptions).Train();
        }

        var (seconds, best, alloc) = LoopTiming.MeasureWithBest(Train, 16, 32, 1_000_000, options);
        string key = $"tagger/{MethodName(method)}_b{batchSize}_tok{batch.NumTokens}";
        return new BenchResult(Name, key, Threading.ThreadCount, seconds, null, alloc) { BestSecondsPerIteration = best };
    }
}
