namespace MtlSharp.Data.Text;

/// <summary>
/// The UD English Web Treebank (Silveira et al. 2014; UD release 2.16): five web genres, used as multi-domain
/// tagging data. Files are <c>en_ewt-ud-{train,dev,test}.conllu</c>, gzip-compressed or not.
/// </summary>
public static class UdEnglishEwt
{
    /// <summary>The genres (sent_id prefixes), in alphabetical order.</summary>
    public static readonly IReadOnlyList<string> Genres = ["answers", "email", "newsgroup", "reviews", "weblog"];

    /// <summary>The split names.</summary>
    public static readonly IReadOnlyList<string> Splits = ["train", "dev", "test"];

    /// <summary>
    /// The file of <paramref name="split"/> (train, dev or test) in <paramref name="directory"/>:
    /// <c>en_ewt-ud-{split}.conllu.gz</c> if present, else <c>en_ewt-ud-{split}.conllu</c>.
    /// </summary>
    public static string SplitPath(string directory, string split)
    {
        if (!Splits.Contains(split))
        {
            throw new ArgumentException($"UdEnglishEwt: unknown split '{split}'; expected train, dev or test.", nameof(split));
        }

        string plain = Path.Combine(directory, $"en_ewt-ud-{split}.conllu");
        string gz = plain + ".gz";
        if (File.Exists(gz))
        {
            return gz;
        }

        if (File.Exists(plain))
        {
            return plain;
        }

        throw new FileNotFoundException(
            $"UD English-EWT {split} file not found: neither {gz} nor {plain} exists (DatasetDownloader with KnownDatasets.UdEnglishEwt can fetch it).", gz);
    }

    /// <summary>Reads one split.</summary>
    public static IReadOnlyList<ConllUSentence> Load(string directory, string split) => ConllUReader.Read(SplitPath(directory, split));

    /// <summary>Reads one split as tagged sentences (see <see cref="ConllUSentence.ToTagged"/>).</summary>
    public static List<TaggedSentence> LoadTagged(string directory, string split)
    {
        IReadOnlyList<ConllUSentence> sentences = Load(directory, split);
        var result = new List<TaggedSentence>(sentences.Count);
        foreach (ConllUSentence s in sentences)
        {
            result.Add(s.ToTagged());
        }

        return result;
    }
}
