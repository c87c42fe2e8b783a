namespace MtlSharp.Data.Text;

/// <summary>How the counts of a bag of hashed features (<see cref="LetterTrigramHasher"/>) are scaled.</summary>
public enum BagNormalization
{
    /// <summary>Raw counts (Liu et al. 2015's word hashing: the count of each letter trigram).</summary>
    Counts,

    /// <summary>ln(1 + count): damps repeated trigrams.</summary>
    Log,

    /// <summary>Counts divided by their Euclidean norm, so every sentence's bag has length 1 whatever its length.</summary>
    L2,
}
