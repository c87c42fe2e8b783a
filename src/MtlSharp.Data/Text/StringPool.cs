namespace MtlSharp.Data.Text;

/// <summary>
/// Interns the fields of a file being read: tags, forms and lemmas repeat constantly, so sharing one string per
/// distinct value saves most of the allocations and memory of a treebank. Lookup is by span (no allocation for
/// values already seen). Not thread-safe; one pool per read.
/// </summary>
internal sealed class StringPool
{
    private readonly Dictionary<string, string> _map = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringPool() => _lookup = _map.GetAlternateLookup<ReadOnlySpan<char>>();

    public string Get(ReadOnlySpan<char> value)
    {
        if (_lookup.TryGetValue(value, out string? s))
        {
            return s;
        }

        s = value.ToString();
        _map.Add(s, s);
        return s;
    }
}
