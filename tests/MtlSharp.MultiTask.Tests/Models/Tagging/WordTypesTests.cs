using MtlSharp.Data.Tasks;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Tagging;

/// <summary>
/// The tagger's per-word encoding (<see cref="WordTypes"/>, <see cref="WordEncoder.EncodeTypes"/>,
/// <see cref="MtlSharp.Tensors.Ops.BiLstmLookup"/>): the grouping, and equality with the per-token encoding in
/// logits and every parameter's gradient.
/// </summary>
public sealed class WordTypesTests
{
    [Fact]
    public void FindGroupsRealPositionsByWordIdAndCharacters()
    {
        // Positions (maxChars 3): 0 "ab" id 5; 1 "ab" id 5 (same); 2 "ab" id 7 (other word id); 3 "abc" id 5 (longer);
        // 4 padding; 5 "ab" id 5 with a different byte after its length (never read: same word); 6 "ba" id 5.
        int[] wordIds = [5, 5, 7, 5, 0, 5, 5];
        int[] charIds = [1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 3, 0, 0, 0, 1, 2, 9, 2, 1, 0];
        int[] lengths = [2, 2, 2, 3, 0, 2, 2];
        float[] mask = [1, 1, 1, 1, 0, 1, 1];
        var types = WordTypes.Find(wordIds, charIds, lengths, mask, 3);
        Assert.Equal(4, types.Count);
        Assert.Equal([0, 0, 1, 2, -1, 0, 3], types.Sources);
        Assert.Equal([5, 7, 5, 5], types.WordIds);
        Assert.Equal([2, 2, 3, 2], types.Lengths);
        Assert.Equal([1, 2, 0, 1, 2, 0, 1, 2, 3, 2, 1, 0], types.Ids);
    }

    [Fact]
    public void FindKeepsEveryWordApartWhenManyCollide()
    {
        // 300 distinct one-character words over 3 word ids: every one its own type, repeats mapped back to it.
        int n = 600;
        int[] wordIds = new int[n], charIds = new int[n], lengths = new int[n];
        float[] mask = new float[n];
        for (int p = 0; p < n; p++)
        {
            wordIds[p] = p % 3;
            charIds[p] = (p % 300) / 3;
            lengths[p] = 1;
            mask[p] = 1;
        }

        var types = WordTypes.Find(wordIds, charIds, lengths, mask, 1);
        Assert.Equal(300, types.Count);
        for (int p = 0; p < n; p++)
        {
            int u = types.Sources[p];
            Assert.Equal(wordIds[p], types.WordIds[u]);
            Assert.Equal(charIds[p], types.Ids[u]);
            Assert.Equal(types.Sources[p % 300], u);
        }
    }

    /// <summary>16 EWT dev sentences of 4–20 tokens (real text: words repeat), their batcher and batch.</summary>
    private static (SentenceBatcher Batcher, SentenceBatch Batch, TaggingTask[] Tasks) EwtBatch()
    {
        var sentences = UdEnglishEwt.LoadTagged(Path.Combine(Fixtures.DatasetsDir, "ud-english-ewt"), "dev").Where(s => s.Length is >= 4 and <= 20).Take(16).ToList();
        var tasks = new[] { TaggingTask.DeprelBase(sentences), TaggingTask.Upos(sentences) };
        var batcher = new SentenceBatcher(Vocabulary.ForWords(sentences), tasks, Vocabulary.ForCharacters(sentences), CharLayout.Padded, 30);
        return (batcher, batcher.Create(sentences), tasks);
    }

    /// <summary>Asserts every tensor of <paramref name="actual"/> within 2e-5 of the scale of the same tensor of <paramref name="expected"/>.</summary>
    private static void AssertClose(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < actual.Length; k++)
        {
            Assert.Equal(expected[k].Length, actual[k].Length);
            float scale = expected[k].Length == 0 ? 1f : MathF.Max(1f, expected[k].Max(MathF.Abs));
            for (int i = 0; i < actual[k].Length; i++)
            {
                Assert.True(MathF.Abs(actual[k][i] - expected[k][i]) <= 2e-5f * scale, $"tensor {k} element {i}: {actual[k][i]} vs {expected[k][i]}");
            }
        }
    }

    /// <summary>Σ y·cos(0.1·i·(m + 1)) over the outputs y (m: the output's index), a loss that weighs every element differently.</summary>
    private static Tensor WeightedSum(IReadOnlyList<Tensor> outputs)
    {
        Tensor loss = Tensor.Scalar(0f);
        for (int m = 0; m < outputs.Count; m++)
        {
            var weights = Tensor.FromArray(Enumerable.Range(0, outputs[m].Length).Select(i => MathF.Cos(0.1f * i * (m + 1))).ToArray(), outputs[m].Shape.ToArray());
            loss = Ops.Add(loss, Ops.Sum(Ops.Mul(outputs[m], weights)));
        }

        return loss;
    }

    [Fact]
    public void ForwardThroughMatchesTheStackOverEveryTokensEncoding()
    {
        var (batcher, batch, _) = EwtBatch();
        var config = new TaggerConfig { WordDim = 6, CharDim = 5, CharHidden = 4, Hidden = 9 };
        float[][] Run(bool once)
        {
            var rng = new Rng(8);
            var encoder = new WordEncoder(batcher.Words.Count, batcher.Chars!.Count, config, rng);
            var stack = new MtlSharp.NN.Layers.BiLstm(encoder.OutputSize, config.Hidden, rng, layers: 2);
            var h = once ? encoder.ForwardThrough(stack, batch, batch.WordIds) : stack.Forward(encoder.Forward(batch, batch.WordIds), batch.Lengths);
            Autograd.Backward(WeightedSum([h]));
            return [h.ToArray(), .. encoder.NamedParameters().Concat(stack.NamedParameters()).Select(p => p.Parameter.Grad.ToArray())];
        }

        AssertClose(Run(false), Run(true));
    }

    [Theory]
    [InlineData(TaggingMethod.HardSharing)]
    [InlineData(TaggingMethod.Sluice)]
    public void EncodingEachWordOnceMatchesEncodingEveryToken(TaggingMethod method)
    {
        var (batcher, batch, tasks) = EwtBatch();
        var types = WordTypes.Find(batch.WordIds, batch.CharIds!, batch.CharLengths, batch.Mask, batch.MaxChars);
        Assert.InRange(types.Count, 1, batch.NumTokens - 20);   // real text repeats words ("the", ".", ",")

        var config = TaggerConfig.ForMethod(method, 2) with { WordDim = 6, CharDim = 5, CharHidden = 4, Hidden = 10, MlpHidden = 5 };
        float[][] Run(bool once)
        {
            var model = new SequenceTagger(config, batcher.Words.Count, batcher.Chars!.Count, [.. tasks.Select(t => t.NumTags)], new Rng(3)) { EncodeWordsOnce = once };
            var logits = model.Forward(batch, batch.WordIds, new Rng(4));
            Autograd.Backward(WeightedSum(logits));
            return [.. logits.Select(l => l.ToArray()), .. model.NamedParameters().Select(p => p.Parameter.Grad.ToArray())];
        }

        AssertClose(Run(false), Run(true));
    }
}
