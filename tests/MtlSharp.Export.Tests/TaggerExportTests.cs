using Microsoft.ML.OnnxRuntime;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;
using Xunit.Abstractions;
using static MtlSharp.Export.Tests.OnnxHarness;

namespace MtlSharp.Export.Tests;

/// <summary>
/// BiLSTM taggers (every method of the ewt-domains presets, and the β / concatenation connections) exported to ONNX
/// and run in ONNX Runtime on real EWT test sentences of varying lengths: every valid token's logits equal MtlSharp's
/// evaluation-mode logits; a sentence alone and the same sentence padded in a batch give the same logits.
/// </summary>
public sealed class TaggerExportTests(ITestOutputHelper log)
{
    private const string Ewt = "ud-english-ewt";

    // Small sizes (the presets' are 64/100/100/100/100): the same graph, fast. Hidden is even (two subspaces).
    private static TaggerConfig Tiny(TaggerConfig c) => c with { WordDim = 8, CharDim = 6, CharHidden = 5, Hidden = 6, MlpHidden = 7 };

    private static readonly Lazy<(SentenceBatcher Batcher, TaggedSentence[] Sentences)> Data = new(() =>
    {
        var corpus = EwtCorpus.Load(Path.Combine(Fixtures.DatasetsDir, Ewt));
        var train = corpus.Of("train", "answers");
        var tasks = new[] { ("DEPREL", ConllUColumns.DeprelBase), ("UPOS", ConllUColumns.Upos), ("XPOS", ConllUColumns.Xpos) }
            .Select(c => TaggingTask.FromColumn(c.Item1, c.Item2, corpus.Train, withUnknown: true)).ToArray();
        var batcher = new SentenceBatcher(Vocabulary.ForWords(train), tasks, Vocabulary.ForCharacters(train), CharLayout.Padded, new TaggerConfig().MaxWordChars);
        // Varying lengths (1 to the longest of the first 400), and a word longer than the 30 characters kept.
        var test = corpus.Of("test", "answers");
        var picked = new List<TaggedSentence>
        {
            test.First(s => s.Length == 1),
            test.First(s => s.Words.Any(w => w.Length > 30)),
            test.Take(400).MaxBy(s => s.Length)!,
        };
        picked.AddRange(test.Where(s => s.Length is > 3 and < 20).Take(5));
        return (batcher, picked.ToArray());
    });

    public static TheoryData<string, int> Methods => new()
    {
        { "single-task", 1 },
        { "hard-sharing", 2 },
        { "low-supervision", 2 },
        { "cross-stitch", 2 },
        { "sluice", 2 },
        { "hard-sharing", 3 },    // ewt-domains-xpos: three tasks
        { "cross-stitch", 3 },
        { "sluice", 3 },
        { "sluice-stitch", 2 },   // the paper's β mixture (--connection stitch)
        { "sluice-concat", 2 },   // --connection concat
        { "hard-sharing-skip", 2 },   // --connection skip (β = 1)
    };

    [DatasetTheory(Ewt)]
    [MemberData(nameof(Methods))]
    public void EveryMethodMatchesOnRealTestSentences(string method, int tasks)
    {
        var (batcher, sentences) = Data.Value;
        var tagger = Build(method, tasks, batcher, seed: (ulong)method.Length + (ulong)tasks);
        var infos = batcher.Tasks.Take(tasks).Select(t => t.Info).ToArray();
        var model = OnnxExporter.Export(tagger, infos);
        Assert.Equal(infos.Select(i => i.Name), model.Tasks);
        Assert.Equal([OnnxExporter.WordsInput, OnnxExporter.LengthsInput, OnnxExporter.CharsInput, OnnxExporter.CharLengthsInput], model.InputNames);
        var config = tagger.Config;
        int stacks = config.PerTaskNetworks ? tasks : 1;
        int layers = config.PredictionLayers?.Max() ?? config.Layers;
        Assert.Equal(1 + (stacks * layers), Count(model, "LSTM"));
        Assert.Equal(config.PerTaskNetworks && tasks > 1 ? (tasks * (layers - 1)) + tasks : 0, Count(model, "MatMul") - (2 * tasks));

        var batch = batcher.Create(sentences);
        var expected = Reference(tagger, batch);
        var actual = RunTagger(model.ToArray(), batch);
        double max = 0;
        for (int t = 0; t < tasks; t++)
        {
            var (data, shape) = actual[infos[t].Name];
            Assert.Equal([batch.BatchSize, batch.MaxLength, infos[t].Outputs], shape.Select(d => (int)d));
            max = Math.Max(max, CompareValid(expected[t], data, batch, infos[t].Outputs, infos[t].Name));
        }

        // Each sentence alone (no padding at all) gives the same logits as inside the padded batch.
        for (int i = 0; i < sentences.Length; i++)
        {
            var single = batcher.Create(sentences, [i]);
            var alone = RunTagger(model.ToArray(), single);
            for (int t = 0; t < tasks; t++)
            {
                int c = infos[t].Outputs;
                var (data, _) = alone[infos[t].Name];
                var inBatch = new float[sentences[i].Length * c];
                Array.Copy(actual[infos[t].Name].Data, i * batch.MaxLength * c, inBatch, 0, inBatch.Length);
                AssertClose(inBatch, data, $"{infos[t].Name}, sentence {i} alone vs padded");
            }
        }

        log.WriteLine($"{method}, {tasks} tasks: {model.NodeCount} nodes, {model.WeightCount} weights; {batch.BatchSize} sentences of 1–{batch.MaxLength} tokens; max |ONNX - MtlSharp| = {max:G3}");
    }

    [DatasetFact(Ewt)]
    public void ExportingOneTaskOfASluiceNetworkKeepsItsMixing()
    {
        var (batcher, sentences) = Data.Value;
        var tagger = Build("sluice", 3, batcher, seed: 5);
        var infos = batcher.Tasks.Select(t => t.Info).ToArray();
        var model = OnnxExporter.Export(tagger, infos, ["UPOS"]);
        Assert.Equal(["UPOS"], model.Tasks);
        Assert.DoesNotContain(Initializers(model), n => n.StartsWith("head0.", StringComparison.Ordinal) || n.StartsWith("head2.", StringComparison.Ordinal));
        Assert.Contains("alpha2.rows1", Initializers(model));
        Assert.DoesNotContain("alpha2.rows0", Initializers(model));   // the last layer's mixture only for the exported task
        Assert.Contains("alpha1.rows0", Initializers(model));          // inner layers for every task
        var batch = batcher.Create(sentences);
        var expected = Reference(tagger, batch);
        var (data, _) = Assert.Single(RunTagger(model.ToArray(), batch)).Value;
        CompareValid(expected[1], data, batch, infos[1].Outputs, "UPOS");
        Assert.Throws<ArgumentException>(() => OnnxExporter.Export(tagger, infos, ["LEMMA"]));
    }

    private static SequenceTagger Build(string method, int tasks, SentenceBatcher batcher, ulong seed)
    {
        var m = method.Split('-') switch
        {
            ["sluice", "stitch"] or ["sluice", "concat"] => TaggingMethod.Sluice,
            ["hard", "sharing", "skip"] => TaggingMethod.HardSharing,
            _ => Enum.Parse<TaggingMethod>(method.Replace("-", "", StringComparison.Ordinal), ignoreCase: true),
        };
        var config = Tiny(TaggerConfig.ForMethod(m, tasks));
        config = method switch
        {
            "sluice-stitch" => config with { Connection = LayerConnection.Stitch },
            "sluice-concat" => config with { Connection = LayerConnection.Concat },
            "hard-sharing-skip" => config with { Connection = LayerConnection.Skip },
            _ => config,
        };
        var tagger = new SequenceTagger(config, batcher.Words.Count, batcher.Chars!.Count, batcher.Tasks.Take(tasks).Select(t => t.NumTags).ToArray(), new Rng(seed));
        // α and β away from their initial values (as after training), so every entry matters.
        var rng = new Rng(seed + 100);
        foreach (var p in tagger.Parameters(k => k.Role == ParameterRole.Routing))
        {
            Span<float> d = p.Data;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] += (rng.NextFloat() - 0.5f) * 0.6f;
            }
        }

        return tagger;
    }

    /// <summary>MtlSharp's evaluation-mode logits per task, [B·T, tags] each.</summary>
    private static float[][] Reference(SequenceTagger tagger, SentenceBatch batch)
    {
        tagger.Eval();
        using var _ = Autograd.NoGrad();
        return tagger.Forward(batch, batch.WordIds).Select(l => l.ToArray()).ToArray();
    }

    private static double CompareValid(float[] expected, float[] actual, SentenceBatch batch, int tags, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var e = new List<float>();
        var a = new List<float>();
        for (int p = 0; p < batch.BatchSize * batch.MaxLength; p++)
        {
            if (batch.Mask[p] != 0f)
            {
                e.AddRange(expected.AsSpan(p * tags, tags));
                a.AddRange(actual.AsSpan(p * tags, tags));
            }
        }

        Assert.Equal(batch.NumTokens * tags, e.Count);
        return AssertClose([.. e], [.. a], what);
    }

    /// <summary>Runs a tagger graph on <paramref name="batch"/> (its word ids, lengths and padded character ids as int64).</summary>
    internal static Dictionary<string, (float[] Data, long[] Shape)> RunTagger(byte[] model, SentenceBatch batch)
    {
        long n = batch.BatchSize, t = batch.MaxLength, l = batch.MaxChars;
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var words = OrtValue.CreateTensorValueFromMemory(batch.WordIds.Select(v => (long)v).ToArray(), [n, t]);
        using var lengths = OrtValue.CreateTensorValueFromMemory(batch.Lengths.Select(v => (long)v).ToArray(), [n]);
        using var chars = OrtValue.CreateTensorValueFromMemory(batch.CharIds!.Select(v => (long)v).ToArray(), [n, t, l]);
        using var charLengths = OrtValue.CreateTensorValueFromMemory(batch.CharLengths.Select(v => (long)v).ToArray(), [n, t]);
        using var run = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var outputs = session.Run(run, [OnnxExporter.WordsInput, OnnxExporter.LengthsInput, OnnxExporter.CharsInput, OnnxExporter.CharLengthsInput], [words, lengths, chars, charLengths], session.OutputNames);
        var result = new Dictionary<string, (float[], long[])>(StringComparer.Ordinal);
        int i = 0;
        foreach (var o in outputs)
        {
            result[session.OutputNames[i++]] = (o.GetTensorDataAsSpan<float>().ToArray(), o.GetTensorTypeAndShape().Shape);
        }

        return result;
    }
}
