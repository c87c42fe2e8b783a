namespace MtlSharp.Data.Tabular;

/// <summary>The features of some table rows as encoded by <see cref="FeatureEncoder.Encode(IReadOnlyList{int})"/>.</summary>
public sealed class EncodedFeatures
{
    internal EncodedFeatures(float[] dense, int[] codes, int rows, int[] unseenLevels)
    {
        Dense = dense;
        Codes = codes;
        Rows = rows;
        UnseenLevels = unseenLevels;
    }

    /// <summary>Dense inputs, [<see cref="Rows"/> × <see cref="FeatureEncoder.Width"/>], row-major.</summary>
    public float[] Dense { get; }

    /// <summary>Embedding codes, [<see cref="Rows"/> × <see cref="FeatureEncoder.Embedded"/>.Count], row-major.</summary>
    public int[] Codes { get; }

    /// <summary>The number of encoded rows.</summary>
    public int Rows { get; }

    /// <summary>
    /// Per feature (in spec order): how many of the encoded rows hold a categorical level that does not occur in the
    /// training rows (encoded as all zeros or code 0). Always 0 for numeric features.
    /// </summary>
    public IReadOnlyList<int> UnseenLevels { get; }
}
