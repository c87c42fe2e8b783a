using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.Tensors;

namespace MtlSharp.Benchmarks.Cases;

/// <summary>
/// One training update of the sluice paper's BiLSTM tagger (word embeddings 64, character BiLSTM 100, 3 BiLSTM
/// layers of 100, a 100-unit MLP per task, 2 tasks with 36 and 17 tags, vocabularies of 5000 words and 100
/// characters): forward, masked cross-entropy, backward, gradient clipping at 5, SGD step. Batches of 8 or 32
/// synthetic sentences with lengths 5 + (13·b mod 21) and word lengths 1 + ((7·b + 3·t) mod 9). "tagger/hard_*"
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
            yield return One(batch, TaggingMethod.HardSharing, options);
            yield return One(batch, TaggingMethod.Sluice, options);
        }
    }

    private BenchResult One(int batchSize, TaggingMethod method, BenchOptions options)
    {
        var sentences = Sentences(batchSize);
        var tasks = new[] { TaggingTask.FromColumn("A", "A", sentences), TaggingTask.FromColumn("B", "B", sentences) };
        var batcher = new SentenceBatcher(Vocabulary.ForWords(sentences), tasks, Vocabulary.ForCharacters(sentences), CharLayout.Padded, 30);
        var batch = batcher.Create(sentences);
        var model = new SequenceTagger(TaggerConfig.ForMethod(method, 2), 5000, 100, [36, 17], new Rng(7));
        ILossWeighting weighting = method == TaggingMethod.Sluice ? new UncertaintyWeighting(2) : FixedWeighting.Equal(2);
        var trainer = new TaggerTrainer(model, weighting, batcher, new TaggerTrainingOptions { BatchSize = batchSize, LearningRate = 0.1f });
        var rng = new Rng(1);
        double[] losses = new double[2];
        var (seconds, alloc) = Measure.Time(() => trainer.Step(batch, rng, losses, 0), options);
        string key = $"tagger/{(method == TaggingMethod.Sluice ? "sluice" : "hard")}_b{batchSize}_tok{batch.NumTokens}";
        return new BenchResult(Name, key, Threading.ThreadCount, seconds, null, alloc);
    }
}
