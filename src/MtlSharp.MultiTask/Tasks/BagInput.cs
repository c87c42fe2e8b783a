using MtlSharp.Data.Text;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// A batch of sparse bags of hashed features (letter trigrams of sentences): the rows of a sparse [rows, buckets]
/// matrix in CSR form — <see cref="Offsets"/> (rows + 1 entries), <see cref="Ids"/> and <see cref="Values"/>.
/// </summary>
public sealed class BagInput : BatchInput
{
    /// <summary>Packs <paramref name="bags"/>, in order.</summary>
    public BagInput(IReadOnlyList<SparseBag> bags)
    {
        ArgumentNullException.ThrowIfNull(bags);
        int nnz = 0;
        foreach (var b in bags)
        {
            nnz += b.Count;
        }

        Ids = new int[nnz];
        Values = new float[nnz];
        Offsets = new int[bags.Count + 1];
        int at = 0;
        for (int i = 0; i < bags.Count; i++)
        {
            bags[i].Ids.CopyTo(Ids, at);
            bags[i].Values.CopyTo(Values, at);
            at += bags[i].Count;
            Offsets[i + 1] = at;
        }
    }

    /// <summary>Rows (bags).</summary>
    public int Rows => Offsets.Length - 1;

    /// <summary>Bucket ids of every bag, concatenated.</summary>
    public int[] Ids { get; }

    /// <summary>The value of each id.</summary>
    public float[] Values { get; }

    /// <summary>Where each bag starts in <see cref="Ids"/> (and where the last ends).</summary>
    public int[] Offsets { get; }
}
