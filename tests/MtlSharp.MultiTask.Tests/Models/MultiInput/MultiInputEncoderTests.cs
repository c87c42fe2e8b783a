using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.MultiInput;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.MultiInput;

/// <summary>
/// The encoders of the multi-input family (letter-trigram bags, BiLSTM sentences) and the model that joins them:
/// finite-difference gradients of every parameter, output shapes, parameter kinds, and clear errors for the wrong input.
/// </summary>
public sealed class MultiInputEncoderTests
{
    private static readonly ForwardContext Ctx = new(0, true, new Rng(5), 1f);

    private static readonly string[][] s_words =
    [
        ["Good", "morning", "!"],
        ["the", "product", "was", "good"],
        ["ok"],
    ];

    private static BagInput Bags(int buckets) =>
        new(s_words.Select(w => new LetterTrigramHasher(buckets).Bag(w)).ToArray());

    private static (SentenceInput Input, int Words, int Chars) Sentences()
    {
        var tagged = s_words.Select((w, i) => new TaggedSentence(w, new Dictionary<string, string[]>(), $"test:{i}")).ToArray();
        var words = Vocabulary.ForWords(tagged);
        var chars = Vocabulary.ForCharacters(tagged);
        var batcher = new SentenceBatcher(words, [], chars, CharLayout.Padded, 8);
        return (new SentenceInput(batcher.Create(tagged, [0, 1, 2])), words.Count, chars.Count);
    }

    private static TaggerConfig Small => new() { WordDim = 3, CharDim = 3, CharHidden = 2, Hidden = 3 };

    [Fact]
    public void TrigramEncoderGradientsMatchFiniteDifferences()
    {
        var encoder = new TrigramBagEncoder(buckets: 13, width: 4, new Rng(1));
        var bags = Bags(13);
        var y = encoder.Encode(bags, Ctx);
        Assert.Equal(new Shape(3, 4), y.Shape);
        GradCheck.Check("TrigramBagEncoder", _ => encoder.Encode(bags, Ctx), encoder.Parameters().Select(p => p.Value).ToArray());
    }

    [Theory]
    [InlineData(SentencePooling.Mean)]
    [InlineData(SentencePooling.Max)]
    public void BiLstmSentenceEncoderGradientsMatchFiniteDifferences(SentencePooling pooling)
    {
        var (input, words, chars) = Sentences();
        var encoder = new BiLstmSentenceEncoder(words, chars, Small, layers: 1, pooling, width: 4, new Rng(2));
        Assert.Equal(new Shape(3, 4), encoder.Encode(input, Ctx).Shape);
        Assert.Equal(3, encoder.Rows(input));
        // Max pooling has kinks where two tokens tie; a smaller step keeps the central differences on one side of them.
        float eps = pooling == SentencePooling.Max ? 1e-3f : 1e-2f;
        GradCheck.Check($"BiLstmSentenceEncoder/{pooling}", _ => encoder.Encode(input, Ctx), encoder.Parameters().Select(p => p.Value).ToArray(), eps: eps, maxElementsPerInput: 40);
    }

    [Fact]
    public void TokenEncoderGivesARowPerTokenPositionAndItsGradientsMatch()
    {
        var (input, words, chars) = Sentences();
        var encoder = new BiLstmTokenEncoder(words, chars, Small, layers: 1, width: 4, new Rng(4));
        Assert.Equal(new Shape(3 * 4, 4), encoder.Encode(input, Ctx).Shape);   // 3 sentences padded to 4 tokens
        Assert.Equal(12, encoder.Rows(input));
        GradCheck.Check("BiLstmTokenEncoder", _ => encoder.Encode(input, Ctx), encoder.Parameters().Select(p => p.Value).ToArray(), maxElementsPerInput: 40);
    }

    [Fact]
    public void DenseAndImageEncodersGradientsMatch()
    {
        var rows = new TensorInput(Tensor.Normal(new Shape(3, 5), 0f, 1f, new Rng(6)));
        var dense = new DenseEncoder(5, 4, new Rng(7));
        Assert.Equal(new Shape(3, 4), dense.Encode(rows, Ctx).Shape);
        GradCheck.Check("DenseEncoder", _ => dense.Encode(rows, Ctx), dense.Parameters().Select(p => p.Value).ToArray());

        var images = new TensorInput(Tensor.Normal(new Shape(2, 1, 6, 6), 0f, 1f, new Rng(8)));
        var conv = new ConvImageEncoder(1, 6, 6, filters: 2, kernel: 3, outputWidth: 4, new Rng(9));
        Assert.Equal(new Shape(2, 4), conv.Encode(images, Ctx).Shape);
        GradCheck.Check("ConvImageEncoder", _ => conv.Encode(images, Ctx), conv.Parameters().Select(p => p.Value).ToArray(), eps: 1e-3f);
        Assert.Contains("images", Assert.Throws<ArgumentException>(() => conv.Encode(rows, Ctx)).Message, StringComparison.Ordinal);
        Assert.Contains("dense inputs", Assert.Throws<ArgumentException>(() => dense.Encode(Bags(7), Ctx)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MeanPoolingIgnoresPadding()
    {
        // The one-word sentence is padded to four tokens in the batch; alone it has no padding: same vector.
        var (input, words, chars) = Sentences();
        var encoder = new BiLstmSentenceEncoder(words, chars, Small, layers: 1, SentencePooling.Mean, width: 4, new Rng(2));
        var tagged = s_words.Select((w, i) => new TaggedSentence(w, new Dictionary<string, string[]>(), $"test:{i}")).ToArray();
        var batcher = new SentenceBatcher(Vocabulary.ForWords(tagged), [], Vocabulary.ForCharacters(tagged), CharLayout.Padded, 8);
        var alone = encoder.Encode(new SentenceInput(batcher.Create(tagged, [2])), Ctx);
        var batched = encoder.Encode(input, Ctx);
        TensorAssert.Close(alone.Span, batched.Span.Slice(8, 4), 1e-5);
    }

    [Fact]
    public void ModelJoinsInputTypesInOneBatchAndGradientsMatch()
    {
        var (sentences, words, chars) = Sentences();
        var trigram = new TrigramBagEncoder(13, 4, new Rng(1));
        var bilstm = new BiLstmSentenceEncoder(words, chars, Small, 1, SentencePooling.Mean, 4, new Rng(2));
        // Tasks 0 and 2 read trigram bags, task 1 sentences for the BiLSTM.
        var model = new MultiInputModel([trigram, bilstm], [0, 1, 0], [5], [3, 3, 3], new Rng(3));
        var bags = Bags(13);
        var t3 = new TaskTargets([0, 1, 2], null);
        var batch = new MultiTaskBatch([new TaskBatch(1, sentences, t3), new TaskBatch(0, bags, t3), new TaskBatch(2, bags, t3)]);
        var outs = model.Forward(batch, Ctx);
        Assert.All(outs, o => Assert.Equal(new Shape(3, 3), o.Shape));
        Assert.Null(model.SharedRepresentation);   // two inputs in this batch

        // The trigram encoder is read by tasks 0 and 2 (shared), the BiLSTM by task 1 only.
        Assert.All(trigram.Parameters(), p => Assert.Equal(ParameterKind.Shared, p.Kind));
        Assert.All(bilstm.Parameters(), p => Assert.Equal(ParameterKind.Task(1), p.Kind));
        Assert.Contains(model.SharedParameters, p => p.Name.Contains("core0_weight", StringComparison.Ordinal));

        GradCheck.Check("MultiInputModel", _ => Ops.Concat([.. model.Forward(batch, Ctx)], 0),
            model.Parameters().Select(p => p.Value).ToArray(), maxElementsPerInput: 30);
    }

    [Fact]
    public void WrongInputTypeIsNamed()
    {
        var trigram = new TrigramBagEncoder(13, 4, new Rng(1));
        var (sentences, _, _) = Sentences();
        var e = Assert.Throws<ArgumentException>(() => trigram.Encode(sentences, Ctx));
        Assert.Contains("trigram", e.Message, StringComparison.Ordinal);
        Assert.Contains("SentenceInput", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new MultiInputModel([trigram, new TrigramBagEncoder(13, 5, new Rng(1))], [0, 1], [], [2, 2], new Rng(1)));
    }

    [Fact]
    public void ClassPriorPredictsTheSameLogitsForEveryRow()
    {
        var model = new ClassPriorModel([4]);
        model.Bias(0).Span[2] = 1.5f;
        var outs = model.Forward(new MultiTaskBatch([new TaskBatch(0, Bags(7), new TaskTargets([0, 0, 0], null))]), Ctx);
        Assert.Equal(new Shape(3, 4), outs[0].Shape);
        for (int r = 0; r < 3; r++)
        {
            Assert.Equal(1.5f, outs[0][r, 2]);
            Assert.Equal(0f, outs[0][r, 0]);
        }

        GradCheck.Check("ClassPriorModel", _ => model.Forward(new MultiTaskBatch([new TaskBatch(0, Bags(7), new TaskTargets([0, 0, 0], null))]), Ctx)[0], [model.Bias(0)]);
    }
}
