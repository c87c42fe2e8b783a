namespace MtlSharp.Data.Text;

/// <summary>
/// A bag of hashed features: distinct bucket ids in ascending order and one value (count, or normalised count) each.
/// One row of the sparse matrix an embedding bag multiplies with its weight.
/// </summary>
/// <param name="Ids">Bucket ids, ascending, distinct.</param>
/// <param name="Values">The value of each id.</param>
public sealed record SparseBag(int[] Ids, float[] Values)
{
    /// <summary>Non-zero entries.</summary>
    public int Count => Ids.Length;
}
