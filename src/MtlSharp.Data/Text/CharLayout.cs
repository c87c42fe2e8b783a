namespace MtlSharp.Data.Text;

/// <summary>How a <see cref="SentenceBatcher"/> lays out character ids.</summary>
public enum CharLayout
{
    /// <summary>No character ids.</summary>
    None,

    /// <summary>A padded block [B, T, MaxChars] (pad id 0), plus per-token character counts [B, T].</summary>
    Padded,

    /// <summary>
    /// The characters of the real tokens concatenated in (b, t) order, with offsets [NumTokens + 1] and the flat
    /// position b·T + t of each token; no padding.
    /// </summary>
    Flat,
}
