using System.Text;

namespace MtlSharp.Data.Text;

/// <summary>
/// A bijection between strings (words, characters or tags) and dense ids. Word and character vocabularies reserve
/// id 0 for padding (<see cref="PadToken"/>) and id 1 for unknown entries (<see cref="UnknownToken"/>); tag
/// vocabularies have neither unless asked. Entries are ordered by descending training frequency, ties broken by
/// ordinal string order, so a vocabulary is a deterministic function of its training data.
/// </summary>
public sealed class Vocabulary
{
    /// <summary>The padding entry of word and character vocabularies (id 0).</summary>
    public const string PadToken = "<pad>";

    /// <summary>The unknown entry of word and character vocabularies (id 1).</summary>
    public const string UnknownToken = "<unk>";

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spanIds;

    /// <summary>
    /// A vocabulary over <paramref name="tokens"/> in the given order, after the optional reserved entries
    /// (padding first, then unknown). Duplicates are an error.
    /// </summary>
    public Vocabulary(IEnumerable<string> tokens, bool withPadding, bool withUnknown, bool lowercase = false)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var list = new List<string>();
        if (withPadding)
        {
            list.Add(PadToken);
        }

        if (withUnknown)
        {
            list.Add(UnknownToken);
        }

        list.AddRange(tokens);
        _tokens = [.. list];
        _ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < _tokens.Length; i++)
        {
            if (!_ids.TryAdd(_tokens[i], i))
            {
                throw new ArgumentException($"Vocabulary: duplicate entry '{_tokens[i]}'.", nameof(tokens));
            }
        }

        _spanIds = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        PadId = withPadding ? 0 : -1;
        UnknownId = withUnknown ? (withPadding ? 1 : 0) : -1;
        Lowercase = lowercase;
    }

    /// <summary>Number of entries, reserved ones included.</summary>
    public int Count => _tokens.Length;

    /// <summary>The entries by id.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>Id of the padding entry, or −1.</summary>
    public int PadId { get; }

    /// <summary>Id of the unknown entry, or −1.</summary>
    public int UnknownId { get; }

    /// <summary>Whether lookups lower-case their argument first.</summary>
    public bool Lowercase { get; }

    /// <summary>The entry with id <paramref name="id"/>.</summary>
    public string this[int id] => _tokens[id];

    /// <summary>
    /// The word vocabulary of <paramref name="training"/>: &lt;pad&gt; = 0, &lt;unk&gt; = 1, then the words seen at
    /// least <see cref="VocabularyOptions.MinFrequency"/> times.
    /// </summary>
    public static Vocabulary ForWords(IEnumerable<TaggedSentence> training, VocabularyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(training);
        options ??= new VocabularyOptions();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (TaggedSentence s in training)
        {
            foreach (string w in s.Words)
            {
                string key = options.Lowercase ? w.ToLowerInvariant() : w;
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }

        return new Vocabulary(Select(counts, options), withPadding: true, withUnknown: true, options.Lowercase);
    }

    /// <summary>
    /// The character vocabulary of <paramref name="training"/>'s words (one entry per Unicode scalar value, so a
    /// surrogate pair is one character): &lt;pad&gt; = 0, &lt;unk&gt; = 1, then the characters.
    /// </summary>
    public static Vocabulary ForCharacters(IEnumerable<TaggedSentence> training, VocabularyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(training);
        options ??= new VocabularyOptions();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (TaggedSentence s in training)
        {
            foreach (string w in s.Words)
            {
                string word = options.Lowercase ? w.ToLowerInvariant() : w;
                foreach (Rune r in word.EnumerateRunes())
                {
                    string key = r.ToString();
                    counts[key] = counts.GetValueOrDefault(key) + 1;
                }
            }
        }

        return new Vocabulary(Select(counts, options), withPadding: true, withUnknown: true, options.Lowercase);
    }

    /// <summary>
    /// A tag vocabulary: the distinct values of <paramref name="tags"/> in ordinal order, no padding entry, and an
    /// unknown entry (id 0) only when <paramref name="withUnknown"/>.
    /// </summary>
    public static Vocabulary ForTags(IEnumerable<string> tags, bool withUnknown = false)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var set = new SortedSet<string>(tags, StringComparer.Ordinal);
        return new Vocabulary(set, withPadding: false, withUnknown);
    }

    /// <summary>True when <paramref name="token"/> (after lower-casing, if the vocabulary does) is an entry.</summary>
    public bool Contains(string token) => TryGetId(token, out _);

    /// <summary>The id of <paramref name="token"/> when it is an entry (the unknown id is not used).</summary>
    public bool TryGetId(string token, out int id) =>
        _ids.TryGetValue(Lowercase ? token.ToLowerInvariant() : token, out id);

    /// <summary>
    /// The id of <paramref name="token"/>, or the unknown id; throws <see cref="KeyNotFoundException"/> when the
    /// vocabulary has no unknown entry.
    /// </summary>
    public int IdOf(string token)
    {
        if (TryGetId(token, out int id))
        {
            return id;
        }

        return UnknownId >= 0
            ? UnknownId
            : throw new KeyNotFoundException($"'{token}' is not in the vocabulary ({Count} entries) and the vocabulary has no unknown entry.");
    }

    /// <summary>The id of one character (a Unicode scalar value), or the unknown id. No allocation.</summary>
    public int IdOf(Rune character)
    {
        if (Lowercase)
        {
            character = Rune.ToLowerInvariant(character);
        }

        Span<char> buffer = stackalloc char[2];
        int n = character.EncodeToUtf16(buffer);
        if (_spanIds.TryGetValue(buffer[..n], out int id))
        {
            return id;
        }

        return UnknownId >= 0
            ? UnknownId
            : throw new KeyNotFoundException($"'{character}' is not in the vocabulary ({Count} entries) and the vocabulary has no unknown entry.");
    }

    private static List<string> Select(Dictionary<string, int> counts, VocabularyOptions options)
    {
        if (options.MinFrequency < 1)
        {
            throw new ArgumentException($"Vocabulary: MinFrequency must be >= 1 (got {options.MinFrequency}).", nameof(options));
        }

        var kept = new List<KeyValuePair<string, int>>();
        foreach (KeyValuePair<string, int> kv in counts)
        {
            if (kv.Value >= options.MinFrequency && kv.Key != PadToken && kv.Key != UnknownToken)
            {
                kept.Add(kv);
            }
        }

        kept.Sort(static (a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        int n = options.MaxSize is int max ? Math.Min(max, kept.Count) : kept.Count;
        var result = new List<string>(n);
        for (int i = 0; i < n; i++)
        {
            result.Add(kept[i].Key);
        }

        return result;
    }
}
