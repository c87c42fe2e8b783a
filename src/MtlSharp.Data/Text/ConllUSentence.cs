namespace MtlSharp.Data.Text;

/// <summary>A CoNLL-U sentence: its syntactic words (multiword-token and empty-node lines are left out) and comments of interest.</summary>
public sealed class ConllUSentence
{
    /// <summary>Creates a sentence.</summary>
    public ConllUSentence(string? sentId, string? text, IReadOnlyList<ConllUToken> tokens, string source)
    {
        SentId = sentId;
        Text = text;
        Tokens = tokens;
        Source = source;
        Genre = ConllUReader.GenreOf(sentId);
    }

    /// <summary>The <c># sent_id = …</c> comment's value, if any.</summary>
    public string? SentId { get; }

    /// <summary>The <c># text = …</c> comment's value, if any.</summary>
    public string? Text { get; }

    /// <summary>The genre derived from <see cref="SentId"/> (the part before the first '-'), if any.</summary>
    public string? Genre { get; }

    /// <summary>The syntactic words, IDs 1..n.</summary>
    public IReadOnlyList<ConllUToken> Tokens { get; }

    /// <summary><c>file:line</c> of the sentence's first line.</summary>
    public string Source { get; }

    /// <summary>
    /// The sentence as a <see cref="TaggedSentence"/>: words = FORM; columns LEMMA, UPOS, XPOS, FEATS, DEPREL and DEPREL_BASE
    /// (see <see cref="ConllUColumns"/>).
    /// </summary>
    public TaggedSentence ToTagged()
    {
        int n = Tokens.Count;
        string[] words = new string[n], lemma = new string[n], upos = new string[n], xpos = new string[n], feats = new string[n], deprel = new string[n], baseRel = new string[n];
        for (int i = 0; i < n; i++)
        {
            ConllUToken t = Tokens[i];
            words[i] = t.Form;
            lemma[i] = t.Lemma;
            upos[i] = t.Upos;
            xpos[i] = t.Xpos;
            feats[i] = t.Feats;
            deprel[i] = t.Deprel;
            baseRel[i] = t.BaseDeprel;
        }

        var columns = new Dictionary<string, string[]>
        {
            [ConllUColumns.Lemma] = lemma,
            [ConllUColumns.Upos] = upos,
            [ConllUColumns.Xpos] = xpos,
            [ConllUColumns.Feats] = feats,
            [ConllUColumns.Deprel] = deprel,
            [ConllUColumns.DeprelBase] = baseRel,
        };
        return new TaggedSentence(words, columns, Source, SentId, Genre);
    }
}
