using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Tagging;

/// <summary>
/// Data parallelism for taggers: a share of a sentence batch (<see cref="SentenceInput.Share"/>) keeps the whole
/// batch's padded length, and the tagger draws the whole batch's word dropout and input noise and keeps its
/// sentences', so the shares together compute exactly the whole batch's logits and advance the stream alike.
/// </summary>
public sealed class TaggerShareTests
{
    private static readonly Lazy<List<TaggedSentence>> Dev = new(() => UdEnglishEwt.LoadTagged(Path.Combine(Fixtures.DatasetsDir, "ud-english-ewt"), "dev"));

    [Theory]
    [InlineData(CharLayout.Padded)]
    [InlineData(CharLayout.Flat)]
    public void ASliceHoldsItsSentencesRowsOfTheWholeBatch(CharLayout layout)
    {
        var sentences = Dev.Value.Where(s => s.Length is >= 3 and <= 15).Take(5).ToList();
        var tasks = new[] { TaggingTask.DeprelBase(sentences), TaggingTask.Upos(sentences) };
        var batcher = new SentenceBatcher(Vocabulary.ForWords(sentences), tasks, Vocabulary.ForCharacters(sentences), layout, 30);
        var whole = batcher.Create(sentences);
        var part = whole.Slice(2, 2);
        int t = whole.MaxLength;
        Assert.Equal(t, part.MaxLength);
        Assert.Equal(whole.MaxChars, part.MaxChars);
        Assert.Equal(whole.Lengths[2..4], part.Lengths);
        Assert.Equal(whole.Lengths[2] + whole.Lengths[3], part.NumTokens);
        Assert.Equal(whole.WordIds[(2 * t)..(4 * t)], part.WordIds);
        Assert.Equal(whole.Mask[(2 * t)..(4 * t)], part.Mask);
        Assert.Equal(whole.TagIds[1][(2 * t)..(4 * t)], part.TagIds[1]);
        Assert.Equal(whole.TagMasks[0][(2 * t)..(4 * t)], part.TagMasks[0]);
        if (layout == CharLayout.Padded)
        {
            int c = whole.MaxChars;
            Assert.Equal(whole.CharIds![(2 * t * c)..(4 * t * c)], part.CharIds);
        }
        else
        {
            // Token k of the slice is token (tokens before it) + k of the whole batch, at position − 2·T.
            int before = whole.Lengths[0] + whole.Lengths[1];
            for (int k = 0; k < part.NumTokens; k++)
            {
                Assert.Equal(whole.FlatTokenPositions![before + k] - (2 * t), part.FlatTokenPositions![k]);
                var a = whole.FlatCharIds.AsSpan(whole.FlatCharOffsets![before + k], whole.FlatCharOffsets[before + k + 1] - whole.FlatCharOffsets[before + k]);
                var b = part.FlatCharIds.AsSpan(part.FlatCharOffsets![k], part.FlatCharOffsets[k + 1] - part.FlatCharOffsets[k]);
                Assert.True(a.SequenceEqual(b), $"token {k}");
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => whole.Slice(4, 2));
    }

    [Fact]
    public void SharesDrawTheWholeBatchsWordDropoutAndInputNoise()
    {
        var sentences = Dev.Value.Where(s => s.Length is >= 3 and <= 12).Take(5).ToList();
        var tasks = new[] { TaggingTask.DeprelBase(sentences), TaggingTask.Upos(sentences) };
        var words = Vocabulary.ForWords(sentences);
        var batcher = new SentenceBatcher(words, tasks, Vocabulary.ForCharacters(sentences), CharLayout.Padded, 30);
        var config = TaggerConfig.ForMethod(TaggingMethod.Sluice, 2) with { WordDim = 6, CharDim = 5, CharHidden = 4, Hidden = 4, MlpHidden = 5, InputNoise = 0.5f };
        var tagger = new SequenceTagger(config, words.Count, batcher.Chars!.Count, tasks.Select(x => x.NumTags).ToArray(), new Rng(3));
        var model = new TaggerModel(tagger, 0.5f, words.UnknownId);
        var input = new SentenceInput(batcher.Create(sentences));

        (IReadOnlyList<Tensor> Logits, ulong[] State) Run(SentenceInput i)
        {
            var rng = new Rng(11);
            var batch = new MultiTaskBatch([new TaskBatch(0, i, new TaskTargets(i.Value.TagIds[0], null, i.Value.TagMasks[0], i.Value.BatchSize)),
                new TaskBatch(1, i, new TaskTargets(i.Value.TagIds[1], null, i.Value.TagMasks[1], i.Value.BatchSize))]);
            using var ng = Autograd.NoGrad();
            var logits = model.Forward(batch, new ForwardContext(0, true, rng, 1f));
            return (logits, rng.SaveState());
        }

        var (all, state) = Run(input);
        int t = input.Value.MaxLength;
        foreach (var (start, count) in new[] { (0, 2), (2, 3) })
        {
            var (mine, after) = Run(input.Share(start, count));
            Assert.Equal(state, after);   // the stream advances as with the whole batch
            for (int m = 0; m < 2; m++)
            {
                int width = all[m].Shape[1];
                var expected = Tensor.FromArray(all[m].Span.Slice(start * t * width, count * t * width).ToArray(), count * t, width);
                TensorAssert.Close(expected, mine[m], atol: 1e-6, rtol: 1e-6, what: $"task {m}, sentences [{start}, {start + count})");
            }
        }

        // Without the share (its own noise for its own sentences) the logits differ: the test can tell.
        var (own, _) = Run(new SentenceInput(input.Value.Slice(2, 3)));
        int w0 = all[0].Shape[1];
        var rows = all[0].Span.Slice(2 * t * w0, 3 * t * w0).ToArray();
        Assert.NotEqual(rows, own[0].Span.ToArray());
    }
}
