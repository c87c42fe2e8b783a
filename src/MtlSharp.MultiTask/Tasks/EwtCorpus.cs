using System.Collections.Concurrent;
using MtlSharp.Data.Text;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// UD English-EWT read once per process (parsing the 14 MB train file takes seconds) and split by genre
/// (<see cref="UdEnglishEwt.Genres"/>, the sent_id prefix), the domains of the tagging experiments.
/// </summary>
public sealed class EwtCorpus
{
    private static readonly ConcurrentDictionary<string, Lazy<EwtCorpus>> s_cache = new(StringComparer.Ordinal);

    private EwtCorpus(string directory)
    {
        Directory = directory;
        Train = UdEnglishEwt.LoadTagged(directory, "train");
        Dev = UdEnglishEwt.LoadTagged(directory, "dev");
        Test = UdEnglishEwt.LoadTagged(directory, "test");
    }

    /// <summary>The folder the files were read from.</summary>
    /// <summary>The pseudo-genre that selects every sentence of a split (training on all of EWT).</summary>
    public const string AllGenres = "all";

    public string Directory { get; }

    /// <summary>All training sentences.</summary>
    public IReadOnlyList<TaggedSentence> Train { get; }

    /// <summary>All development sentences.</summary>
    public IReadOnlyList<TaggedSentence> Dev { get; }

    /// <summary>All test sentences.</summary>
    public IReadOnlyList<TaggedSentence> Test { get; }

    /// <summary>
    /// The corpus in <paramref name="dataDirectory"/> (the EWT folder itself, or a folder holding
    /// <c>ud-english-ewt/</c>), cached for the process.
    /// </summary>
    public static EwtCorpus Load(string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        string sub = Path.Combine(dataDirectory, "ud-english-ewt");
        string dir = Path.GetFullPath(System.IO.Directory.Exists(sub) ? sub : dataDirectory);
        return s_cache.GetOrAdd(dir, d => new Lazy<EwtCorpus>(() => new EwtCorpus(d))).Value;
    }

    /// <summary>The sentences of <paramref name="split"/> ("train", "dev", "test") from <paramref name="genre"/>.</summary>
    public IReadOnlyList<TaggedSentence> Of(string split, string genre)
    {
        var all = split switch
        {
            "train" => Train,
            "dev" => Dev,
            "test" => Test,
            _ => throw new ArgumentException($"EwtCorpus: unknown split '{split}' (train, dev, test).", nameof(split)),
        };
        if (genre == AllGenres)
        {
            return all;
        }

        if (!UdEnglishEwt.Genres.Contains(genre))
        {
            throw new ArgumentException($"EwtCorpus: unknown genre '{genre}'; expected one of {string.Join(", ", UdEnglishEwt.Genres)} or {AllGenres}.", nameof(genre));
        }

        return all.Where(s => s.Genre == genre).ToArray();
    }
}
