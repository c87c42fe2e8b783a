namespace MtlSharp.Data.Text;

/// <summary>Column names used by <see cref="ConllUSentence.ToTagged"/> for the tag columns of CoNLL-U data.</summary>
public static class ConllUColumns
{
    /// <summary>LEMMA.</summary>
    public const string Lemma = "LEMMA";

    /// <summary>Universal POS tags (17 in UD).</summary>
    public const string Upos = "UPOS";

    /// <summary>Language-specific POS tags (PTB tags for English).</summary>
    public const string Xpos = "XPOS";

    /// <summary>Morphological features as one tag (the FEATS string verbatim, e.g. <c>Number=Sing|Person=3</c>; <c>_</c> for none).</summary>
    public const string Feats = "FEATS";

    /// <summary>Dependency relation with subtype (e.g. <c>nmod:poss</c>).</summary>
    public const string Deprel = "DEPREL";

    /// <summary>Dependency relation without subtype (the part before ':').</summary>
    public const string DeprelBase = "DEPREL_BASE";
}
