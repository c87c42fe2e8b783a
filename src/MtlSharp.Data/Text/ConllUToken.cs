namespace MtlSharp.Data.Text;

/// <summary>
/// One syntactic word of a CoNLL-U sentence (a line whose ID is an integer). See
/// https://universaldependencies.org/format.html for the ten fields.
/// </summary>
/// <param name="Id">1-based word index in the sentence (ID).</param>
/// <param name="Form">Word form or punctuation symbol (FORM).</param>
/// <param name="Lemma">Lemma (LEMMA).</param>
/// <param name="Upos">Universal part-of-speech tag (UPOS).</param>
/// <param name="Xpos">Language-specific part-of-speech tag, PTB tags for English (XPOS).</param>
/// <param name="Feats">Morphological features (FEATS), verbatim.</param>
/// <param name="Head">Head word ID, 0 for the root, −1 when the field is <c>_</c> (HEAD).</param>
/// <param name="Deprel">Dependency relation to the head, with subtype, e.g. <c>obl:tmod</c> (DEPREL).</param>
/// <param name="Deps">Enhanced dependencies (DEPS), verbatim.</param>
/// <param name="Misc">Any other annotation (MISC), verbatim.</param>
public sealed record ConllUToken(int Id, string Form, string Lemma, string Upos, string Xpos, string Feats, int Head, string Deprel, string Deps, string Misc)
{
    /// <summary>The universal relation without its subtype: the part of <see cref="Deprel"/> before the first ':'.</summary>
    public string BaseDeprel => ConllUReader.BaseRelation(Deprel);
}
