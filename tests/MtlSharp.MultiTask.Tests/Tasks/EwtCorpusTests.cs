using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Tasks;

public sealed class EwtCorpusTests
{
    [Fact]
    public void GenresPartitionEachSplitAndAllSelectsTheWholeSplit()
    {
        var corpus = EwtCorpus.Load(Fixtures.DatasetsDir);
        Assert.Equal(1585, corpus.Of("train", "weblog").Count);
        string[] genres = ["answers", "email", "newsgroup", "reviews", "weblog"];
        foreach (string split in new[] { "train", "dev", "test" })
        {
            var all = corpus.Of(split, EwtCorpus.AllGenres);
            Assert.Equal(all.Count, genres.Sum(g => corpus.Of(split, g).Count));
            Assert.All(corpus.Of(split, "email"), s => Assert.Equal("email", s.Genre));
        }

        Assert.Equal(12544, corpus.Of("train", EwtCorpus.AllGenres).Count);
        var e = Assert.Throws<ArgumentException>(() => corpus.Of("train", "news"));
        Assert.Contains("'news'", e.Message, StringComparison.Ordinal);
        Assert.Contains("all", e.Message, StringComparison.Ordinal);
    }
}
