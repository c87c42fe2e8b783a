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

    [Theory]
    [InlineData(TaggingMethod.HardSharing)]
    [InlineData(TaggingMethod.Sluice)]
    public void EncodingEachWordOnceMatchesEncodingEveryToken(TaggingMethod method)
    {
        var sentences = UdEnglishEwt.LoadTagged(Path.Combine(Fixtures.DatasetsDir, "ud-english-ewt"), "dev").Where(s => s.Length is >= 4 and <= 20).Take(16).ToList();
        var tasks = new[] { TaggingTask.DeprelBase(sentences), TaggingTask.Upos(sentences) };
        var batcher = new SentenceBatcher(Vocabulary.ForWords(sentences), tasks, Vocabulary.ForCharacters(sentences), CharLayout.Padded, 30);
        var batch = batcher.Create(sentences);
        var types = WordTypes.Find(batch.WordIds, batch.CharIds!, batch.CharLengths, batch.Mask, batch.MaxChars);
        Assert.InRange(types.Count, 1, batch.NumTokens - 20);   // real text repeats words ("the", ".", ",")

        var config = TaggerConfig.ForMethod(method, 2) with { WordDim = 6, CharDim = 5, CharHidden = 4, Hidden = 10, MlpHidden = 5 };
        float[][] Run(bool once)
        {
            var model = new SequenceTagger(config, batcher.Words.Count, batcher.Chars!.Count, [.. tasks.Select(t => t.NumTags)], new Rng(3)) { EncodeWordsOnce = once };
            var logits = model.Forward(batch, batch.WordIds, new Rng(4));
            Tensor loss = Tensor.Scalar(0f);
            for (int m = 0; m < logits.Length; m++)
            {
                var weights = Tensor.FromArray(Enumerable.Range(0, logits[m].Length).Select(i => MathF.Cos(0.1f * i * (m + 1))).ToArray(), logits[m].Shape.ToArray());
                loss = Ops.Add(loss, Ops.Sum(Ops.Mul(logits[m], weights)));
            }

            Autograd.Backward(loss);
            return [.. logits.Select(l => l.ToArray()), .. model.NamedParameters().Select(p => p.Parameter.Grad.ToArray())];
        }

        var once = Run(true);
        var every = Run(false);
        Assert.Equal(every.Length, once.Length);
        for (int k = 0; k < once.Length; k++)
        {
            float scale = every[k].Length == 0 ? 1f : MathF.Max(1f, every[k].Max(MathF.Abs));
            for (int i = 0; i < once[k].Length; i++)
            {
                Assert.True(MathF.Abs(once[k][i] - every[k][i]) <= 2e-5f * scale, $"tensor {k} element {i}: {once[k][i]} vs {every[k][i]}");
            }
        }
    }
}
