using System.Text;
using MtlSharp.Data.Text;
using MtlSharp.Tensors;

namespace MtlSharp.Data.Tests;

public sealed class TaggingTests
{
    private static TaggedSentence S(string source, string words, string? pos = null, string? chunk = null)
    {
        string[] w = words.Split(' ');
        var cols = new Dictionary<string, string[]>();
        if (pos is not null)
        {
            cols["POS"] = pos.Split(' ');
        }

        if (chunk is not null)
        {
            cols["CHUNK"] = chunk.Split(' ');
        }

        return new TaggedSentence(w, cols, source);
    }

    private static readonly List<TaggedSentence> Train =
    [
        S("t:1", "the cat sat", "DT NN VBD", "B-NP I-NP B-VP"),
        S("t:5", "The dog", "DT NN", "B-NP I-NP"),
        S("t:8", "the end", "DT NN", "B-NP I-NP"),
    ];

    [Fact]
    public void WordVocabularyReservesPadAndUnknownAndOrdersByFrequency()
    {
        Vocabulary v = Vocabulary.ForWords(Train);
        Assert.Equal(0, v.PadId);
        Assert.Equal(1, v.UnknownId);
        Assert.Equal(new[] { Vocabulary.PadToken, Vocabulary.UnknownToken, "the", "The", "cat", "dog", "end", "sat" }, v.Tokens);
        Assert.Equal(2, v.IdOf("the"));
        Assert.Equal(1, v.IdOf("zebra"));
        Assert.False(v.Contains("zebra"));
        Assert.Equal("cat", v[4]);

        Vocabulary lower = Vocabulary.ForWords(Train, new VocabularyOptions { Lowercase = true, MinFrequency = 2 });
        Assert.Equal(new[] { Vocabulary.PadToken, Vocabulary.UnknownToken, "the" }, lower.Tokens);
        Assert.Equal(2, lower.IdOf("THE"));
        Assert.Equal(1, lower.IdOf("cat"));

        Vocabulary capped = Vocabulary.ForWords(Train, new VocabularyOptions { MaxSize = 2 });
        Assert.Equal(4, capped.Count);
    }

    [Fact]
    public void CharacterVocabularyUsesUnicodeScalars()
    {
        var sentences = new List<TaggedSentence> { S("x:1", "aé 😀a") };
        Vocabulary v = Vocabulary.ForCharacters(sentences);
        Assert.Equal(new[] { Vocabulary.PadToken, Vocabulary.UnknownToken, "a", "é", "😀" }, v.Tokens);
        Assert.Equal(4, v.IdOf(Rune.GetRuneAt("😀", 0)));
        Assert.Equal(1, v.IdOf(new Rune('z')));
    }

    [Fact]
    public void TagVocabularyHasNoReservedEntriesAndUnseenTagsFail()
    {
        TaggingTask pos = TaggingTask.FromColumn("pos", "POS", Train);
        Assert.Equal(new[] { "DT", "NN", "VBD" }, pos.Tags.Tokens);
        Assert.Equal(-1, pos.Tags.PadId);
        Assert.Equal(-1, pos.Tags.UnknownId);
        Assert.Throws<KeyNotFoundException>(() => pos.Tags.IdOf("JJ"));

        var ids = new int[2];
        TaggedSentence unseen = S("dev.txt:42", "big dog", "JJ NN");
        var e = Assert.Throws<KeyNotFoundException>(() => pos.Encode(unseen, ids));
        Assert.Contains("dev.txt:42", e.Message);
        Assert.Contains("'JJ'", e.Message);
        Assert.Contains("'pos'", e.Message);

        TaggingTask lenient = TaggingTask.FromColumn("pos", "POS", Train, withUnknown: true);
        lenient.Encode(unseen, ids);
        Assert.Equal(new[] { lenient.Tags.UnknownId, lenient.Tags.IdOf("NN") }, ids);

        var e2 = Assert.Throws<ArgumentException>(() => TaggingTask.FromColumn("ner", "NER", Train));
        Assert.Contains("NER", e2.Message);
    }

    [Fact]
    public void BatchPadsWordsCharsAndTagsWithMasks()
    {
        Vocabulary words = Vocabulary.ForWords(Train), chars = Vocabulary.ForCharacters(Train);
        TaggingTask pos = TaggingTask.FromColumn("pos", "POS", Train), chunk = TaggingTask.FromColumn("chunk", "CHUNK", Train);
        var data = new List<TaggedSentence>
        {
            S("a:1", "the zebra sat", "DT NN VBD", "B-NP I-NP B-VP"),
            S("a:5", "cat", "NN"), // no CHUNK column: masked for that task
        };
        var batcher = new SentenceBatcher(words, [pos, chunk], chars);
        SentenceBatch b = batcher.Create(data, [1, 0]);

        Assert.Equal(2, b.BatchSize);
        Assert.Equal(3, b.MaxLength);
        Assert.Equal(4, b.NumTokens);
        Assert.Equal(new[] { 1, 0 }, b.SentenceIndices);
        Assert.Equal(new[] { 1, 3 }, b.Lengths);
        Assert.Equal(new[] { words.IdOf("cat"), 0, 0, words.IdOf("the"), 1, words.IdOf("sat") }, b.WordIds);
        Assert.Equal(new float[] { 1, 0, 0, 1, 1, 1 }, b.Mask);
        Assert.Equal(new[] { 3, 0, 0, 3, 5, 3 }, b.CharLengths);
        Assert.Equal(5, b.MaxChars);
        Assert.NotNull(b.CharIds);
        Assert.Equal(2 * 3 * 5, b.CharIds!.Length);
        int[] zebra = b.CharIds.AsSpan(4 * 5, 5).ToArray();
        Assert.Equal(new[] { 1, chars.IdOf(new Rune('e')), 1, 1, chars.IdOf(new Rune('a')) }, zebra); // z, b, r unseen
        Assert.Equal(new[] { chars.IdOf(new Rune('c')), chars.IdOf(new Rune('a')), chars.IdOf(new Rune('t')), 0, 0 }, b.CharIds.AsSpan(0, 5).ToArray());
        Assert.All(b.CharIds.AsSpan(5, 10).ToArray(), id => Assert.Equal(0, id));

        Assert.Equal(new[] { pos.Tags.IdOf("NN"), 0, 0, pos.Tags.IdOf("DT"), pos.Tags.IdOf("NN"), pos.Tags.IdOf("VBD") }, b.TagIds[0]);
        Assert.Equal(new float[] { 1, 0, 0, 1, 1, 1 }, b.TagMasks[0]);
        Assert.Equal(new float[] { 0, 0, 0, 1, 1, 1 }, b.TagMasks[1]);
        Assert.Equal(chunk.Tags.IdOf("B-VP"), b.TagIds[1][5]);
        Assert.Null(b.FlatCharIds);
    }

    [Fact]
    public void FlatCharLayoutAndTruncation()
    {
        Vocabulary words = Vocabulary.ForWords(Train), chars = Vocabulary.ForCharacters(Train);
        var data = new List<TaggedSentence> { S("a:1", "the cat"), S("a:2", "sat") };
        var batcher = new SentenceBatcher(words, [], chars, CharLayout.Flat, maxWordChars: 2);
        SentenceBatch b = batcher.Create(data);
        Assert.Null(b.CharIds);
        Assert.Equal(new[] { 0, 2, 4, 6 }, b.FlatCharOffsets);
        Assert.Equal(new[] { 0, 1, 2 }, b.FlatTokenPositions); // b*T + t with T = 2
        Assert.Equal(2, b.MaxChars);
        Assert.Equal(new[] { 2, 2, 2, 0 }, b.CharLengths);
        int Id(char c) => chars.IdOf(new Rune(c));
        Assert.Equal(new[] { Id('t'), Id('h'), Id('c'), Id('a'), Id('s'), Id('a') }, b.FlatCharIds);
        Assert.Empty(b.TagIds);

        SentenceBatch noChars = new SentenceBatcher(words, []).Create(data);
        Assert.Null(noChars.CharIds);
        Assert.Null(noChars.FlatCharIds);
        Assert.Equal(0, noChars.MaxChars);
    }

    [Fact]
    public void EpochVisitsEverySentenceOnceDeterministically()
    {
        var data = Enumerable.Range(0, 10).Select(i => S($"s:{i}", string.Join(' ', Enumerable.Repeat("the", (i % 4) + 1)))).ToList();
        var batcher = new SentenceBatcher(Vocabulary.ForWords(data), []);
        int[] Order(ulong seed) => batcher.Epoch(data, 3, new Rng(seed)).SelectMany(b => b.SentenceIndices).ToArray();
        SentenceBatch[] batches = batcher.Epoch(data, 3, new Rng(1)).ToArray();
        Assert.Equal(new[] { 3, 3, 3, 1 }, batches.Select(b => b.BatchSize).ToArray());
        Assert.Equal(Enumerable.Range(0, 10), Order(1).Order());
        Assert.Equal(Order(1), Order(1));
        Assert.NotEqual(Order(1), Order(2));
        Assert.Equal(Enumerable.Range(0, 10), batcher.Epoch(data, 4).SelectMany(b => b.SentenceIndices));
        foreach (SentenceBatch b in batches)
        {
            Assert.Equal(b.Lengths.Max(), b.MaxLength);
        }
    }

    [DatasetFact("ud-english-ewt")]
    public void EwtTasksFromTrainingDataCoverDevAndTest()
    {
        List<TaggedSentence> train = EwtData.Tagged("train");
        TaggingTask upos = TaggingTask.Upos(train), xpos = TaggingTask.Xpos(train), deprel = TaggingTask.DeprelBase(train);
        Assert.Equal(17, upos.NumTags);
        Assert.Equal(49, xpos.NumTags);
        Assert.Equal(36, deprel.NumTags);
        Vocabulary words = Vocabulary.ForWords(train), chars = Vocabulary.ForCharacters(train);
        Assert.Equal(19674 + 2, words.Count); // distinct train forms (computed once, recorded)
        Assert.True(chars.Count > 90, $"{chars.Count} characters");

        var batcher = new SentenceBatcher(words, [upos, xpos, deprel], chars);
        foreach (string split in new[] { "dev", "test" })
        {
            List<TaggedSentence> data = EwtData.Tagged(split);
            int tokens = 0, unknown = 0;
            foreach (SentenceBatch b in batcher.Epoch(data, 256))
            {
                tokens += b.NumTokens;
                for (int i = 0; i < b.WordIds.Length; i++)
                {
                    unknown += b.Mask[i] == 1f && b.WordIds[i] == words.UnknownId ? 1 : 0;
                }

                Assert.Equal(b.NumTokens, (int)b.TagMasks[2].Sum());
            }

            Assert.Equal(split == "dev" ? 25147 : 25094, tokens);
            double oov = (double)unknown / tokens;
            Assert.InRange(oov, 0.03, 0.15);
        }
    }
}
