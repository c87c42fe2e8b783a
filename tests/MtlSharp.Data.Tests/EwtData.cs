using MtlSharp.Data.Text;
using MtlSharp.Testing;

namespace MtlSharp.Data.Tests;

/// <summary>UD English-EWT read once per test run (shared by the tests that need it).</summary>
internal static class EwtData
{
    private static readonly Lazy<Dictionary<string, IReadOnlyList<ConllUSentence>>> Splits = new(() =>
    {
        var d = new Dictionary<string, IReadOnlyList<ConllUSentence>>();
        foreach (string split in UdEnglishEwt.Splits)
        {
            d[split] = UdEnglishEwt.Load(Dir, split);
        }

        return d;
    });

    private static readonly Lazy<Dictionary<string, List<TaggedSentence>>> TaggedSplits = new(() =>
    {
        var d = new Dictionary<string, List<TaggedSentence>>();
        foreach ((string split, IReadOnlyList<ConllUSentence> sentences) in Splits.Value)
        {
            d[split] = sentences.Select(s => s.ToTagged()).ToList();
        }

        return d;
    });

    public static string Dir => Path.Combine(Fixtures.DatasetsDir, "ud-english-ewt");

    public static IReadOnlyList<ConllUSentence> Get(string split) => Splits.Value[split];

    public static List<TaggedSentence> Tagged(string split) => TaggedSplits.Value[split];
}
