using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Tests.Experiments;

public sealed class TaggingTableTests
{
    private static readonly string[] Genres = ["answers", "email", "newsgroup", "reviews", "weblog"];

    private static RunReport Report(string method, string genre, int seed, double inDomain, double other) => new()
    {
        Preset = "ewt-domains",
        Method = method,
        Seed = seed,
        Tasks = [new TaskResult("DEPREL", "accuracy", inDomain, inDomain), .. Genres.Select(g => new TaskResult($"DEPREL@{g}", "accuracy", g == genre ? inDomain : other))],
        MeanTest = inDomain,
        TrainSeconds = 1,
        UpdatesPerSecond = 1,
        Environment = new Dictionary<string, string> { [TaggingReports.TrainGenreKey] = genre },
    };

    [Fact]
    public void ScoresSplitInDomainFromTheMeanOfTheOtherGenres()
    {
        var (inD, outD) = TaggingTable.Scores(Report("sluice", "email", 0, 0.8, 0.7));
        Assert.Equal(0.8, inD, 12);
        Assert.Equal(0.7, outD, 12);
        Assert.Equal(0.25, TaggingTable.ErrorReduction(0.8, 0.85), 12);   // error 20% → 15%
        Assert.Equal(-0.5, TaggingTable.ErrorReduction(0.8, 0.7), 12);
    }

    [Fact]
    public void TableAveragesSeedsAndComparesMethodsOverTheGenresBothFinished()
    {
        RunReport[] reports =
        [
            Report("hard-sharing", "answers", 0, 0.80, 0.70),
            Report("hard-sharing", "answers", 1, 0.82, 0.72),
            Report("hard-sharing", "email", 0, 0.90, 0.60),
            Report("sluice", "answers", 0, 0.85, 0.76),
        ];
        string md = TaggingTable.ToMarkdown("ewt-domains", reports);
        // Only seed 0 has both genres: its average out-of-domain accuracy is (70 + 60) / 2.
        Assert.Contains("| hard-sharing | 81.00 | 71.00 | 90.00 | 60.00 | 85.50 | 65.50 | 2/1 | 65.00 ± 0.00 (1) |", md, StringComparison.Ordinal);
        Assert.Contains("| sluice | 85.00 | 76.00 | – | – |", md, StringComparison.Ordinal);

        // Sluice vs hard sharing over answers only: errors 19% → 15% in-domain, 29% → 24% out-of-domain.
        Assert.Contains("- sluice vs hard-sharing: relative error reduction in-domain 21.1%, out-of-domain 17.2% (over answers)", md, StringComparison.Ordinal);
    }

    [Fact]
    public void CrossTaskShareIsTheOffTaskFractionOfAlpha()
    {
        string[] labels = ["A.1", "A.2", "B.1", "B.2"];
        double[][] balanced = [[0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25]];
        Assert.Equal(0.5, TaggingTable.CrossTaskShare(new NamedMatrix("alpha layer 1", labels, labels, balanced)), 12);
        double[][] mixed = [[1, 0, -1, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
        Assert.Equal(0.2, TaggingTable.CrossTaskShare(new NamedMatrix("alpha layer 1", labels, labels, mixed)), 12);
    }
}
