using System.Text.Json.Nodes;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Analysis.Grouping;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Tests.Training;
using MtlSharp.NN;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Analysis;

/// <summary>
/// Taskonomy-style transfer over the BiLSTM tagger's tasks, on a small EWT (the first 40 weblog training sentences,
/// 10 dev, 4 test per genre): the share of training sentences, the frozen encoder, and the matrix.
/// </summary>
public sealed class TaggerTransferTests : IClassFixture<TaggerTransferTests.SmallCorpus>
{
    private const int TrainSentences = 40;
    private readonly SmallCorpus _corpus;

    public TaggerTransferTests(SmallCorpus corpus) => _corpus = corpus;

    /// <summary>The small EWT, written once for the class.</summary>
    public sealed class SmallCorpus : IDisposable
    {
        private readonly TempFolder _folder = new();

        public SmallCorpus() => MiniEwt.Write(Fixtures.DatasetsDir, _folder.Path, TrainSentences, 10, 4);

        public string Folder => _folder.Path;

        public void Dispose() => _folder.Dispose();
    }

    /// <summary>ewt-tasks.json (the hard-sharing tagger) on the small EWT with <paramref name="tasks"/>, two epochs.</summary>
    private RunConfig Config(params string[] tasks)
    {
        var doc = ConfigDocument.Load(Path.Combine(Fixtures.RepoRoot, "docs", "results", "grouping", "ewt-tasks.json"));
        var list = new JsonArray();
        foreach (string t in tasks)
        {
            list.Add(new JsonObject { ["name"] = t, ["kind"] = "sequence-tagging", ["column"] = t.ToLowerInvariant() });
        }

        return doc.Resolve(null, new JsonObject { ["tasks"] = list, ["schedule"] = new JsonObject { ["epochs"] = 2 } }, _corpus.Folder);
    }

    [Fact]
    public void TheShareIsCeilOfTheFractionOfTheSentencesDrawnByTheSeed()
    {
        var config = Config("UPOS", "XPOS");
        var corpus = EwtCorpus.Load(_corpus.Folder);
        var train = corpus.Of("train", "weblog");
        Assert.Equal(TrainSentences, train.Count);

        var share = TaggingExperiments.TrainShare(train, 0.3, seed: 5);
        Assert.Equal(12, share.Count);   // ⌈0.3 · 40⌉
        int[] rows = [.. share.Select(s => IndexOf(train, s))];
        Assert.Equal(rows.Order(), rows);
        Assert.Equal(rows.Length, rows.Distinct().Count());
        Assert.Equal(rows, TaggingExperiments.TrainShare(train, 0.3, 5).Select(s => IndexOf(train, s)));
        Assert.NotEqual(rows, TaggingExperiments.TrainShare(train, 0.3, 6).Select(s => IndexOf(train, s)));
        Assert.Single(TaggingExperiments.TrainShare(train, 0.001, 5));   // at least one sentence

        // Every task of a seed trains on the same share; the plan says how many it kept of how many.
        var upos = ConfigRunBuilder.Build(config, seed: 5, scale: 1, taskSubset: [0], trainFraction: 0.3);
        var xpos = ConfigRunBuilder.Build(config, seed: 5, scale: 1, taskSubset: [1], trainFraction: 0.3);
        Assert.Equal(12, upos.Data.TrainCount(0));
        Assert.Equal(12, xpos.Data.TrainCount(0));
        Assert.Equal("12 of 40", upos.Configuration["trainSentences"]);
        Assert.Equal(TrainSentences, ConfigRunBuilder.Build(config, seed: 5, scale: 1, taskSubset: [0]).Data.TrainCount(0));

        // The share keeps the embedding tables of the whole training split: a source's parameters fit a share's run.
        var whole = ConfigRunBuilder.Build(config, seed: 5, scale: 1, taskSubset: [0]);
        Assert.Equal(
            whole.Model.Module.NamedParameters().Select(p => (p.Name, p.Parameter.Length)),
            upos.Model.Module.NamedParameters().Select(p => (p.Name, p.Parameter.Length)));
    }

    private static int IndexOf(IReadOnlyList<TaggedSentence> train, TaggedSentence s)
    {
        for (int i = 0; i < train.Count; i++)
        {
            if (ReferenceEquals(train[i], s))
            {
                return i;
            }
        }

        return -1;
    }

    [Fact]
    public void ATransferRunTrainsOnlyTheTargetsHeadOverTheFrozenEncoder()
    {
        var config = Config("UPOS", "XPOS");
        var source = ConfigRunBuilder.Build(config, seed: 0, scale: 1, taskSubset: [0]);
        ExperimentRunner.Run(source, new RunOptions { TensorBoard = false, CheckpointEverySeconds = 0 });
        var snapshot = FrozenSource.Snapshot(source.Model);
        // The frozen part is the word and character embeddings, the character BiLSTM and the BiLSTM stack.
        Assert.Contains(snapshot.Keys, k => k.StartsWith("encoder.", StringComparison.Ordinal));
        Assert.Contains(snapshot.Keys, k => k.StartsWith("lstm.", StringComparison.Ordinal));
        Assert.DoesNotContain(snapshot.Keys, k => k.StartsWith("head", StringComparison.Ordinal));

        var target = ConfigRunBuilder.Build(config, seed: 0, scale: 1, taskSubset: [1], trainFraction: 0.5);
        Assert.Equal(20, target.Data.TrainCount(0));
        FrozenSource.Load(target.Model, snapshot, "UPOS-to-XPOS");
        var heads = target.Model.Module.Parameters(ParameterRole.Task).Select(p => p.Data.ToArray()).ToArray();
        Assert.NotEmpty(heads);
        ExperimentRunner.Run(target, new RunOptions { TensorBoard = false, CheckpointEverySeconds = 0 });

        int frozen = 0;
        foreach (var (name, p) in target.Model.Module.NamedParameters())
        {
            if (p.Kind.Role == ParameterRole.Task)
            {
                Assert.StartsWith("head0.", name, StringComparison.Ordinal);
                continue;
            }

            Assert.Equal(snapshot[name], p.Data.ToArray());   // bit-identical after training
            Assert.False(p.HasGrad, $"{name} received a gradient");
            frozen++;
        }

        Assert.Equal(snapshot.Count, frozen);
        var trained = target.Model.Module.Parameters(ParameterRole.Task);
        Assert.All(trained.Select((p, k) => !p.Data.SequenceEqual(heads[k])), moved => Assert.True(moved));
    }

    [Fact]
    public void TheTransferStudyOfTaggingTasksGivesTheMatrixAndRanking()
    {
        var config = Config("UPOS", "XPOS", "FEATS");
        var study = GroupingRunner.Run(config, new GroupingOptions { Method = GroupingMethod.Transfer, Budget = 2, TransferFraction = 0.5 });
        var t = study.Transfer!;
        Assert.Equal(["UPOS", "XPOS", "FEATS"], study.Tasks);
        Assert.Equal(0.5, t.Fraction);
        Assert.Equal(3 + 3 + 9, study.Runs.Count);   // sources, scratch on the share, every source → target
        Assert.Equal(["transfer-source", "transfer-scratch", "transfer"], study.Runs.Select(r => r.Purpose).Distinct());
        Assert.All(new[] { t.Test, t.Gain }, m =>
        {
            Assert.Equal(3, m.Length);
            Assert.All(m, row => Assert.Equal(3, row.Length));
        });
        Assert.All(t.Test.SelectMany(r => r).Concat(t.Scratch).Concat(t.Source), a => Assert.InRange(a, 0.0, 1.0));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Enumerable.Range(0, 3).Where(j => j != i).Order(), t.Ranking[i].Order());
            Assert.True(t.Gain[t.Ranking[i][0]][i] >= t.Gain[t.Ranking[i][1]][i]);
        }

        Assert.Same(t.Gain, study.Relation);
        Assert.Equal(study.AllSeparate, t.Source);   // the sources are the single-task networks
        Assert.Equal(3, study.Grouping.Networks.Sum(nw => nw.Serves.Length));
        Assert.InRange(study.Grouping.Networks.Count, 1, 2);
    }

    [Fact]
    public void ABadShareOrAModelWithoutRoutedLayersIsAClearError()
    {
        var config = Config("UPOS", "XPOS");
        foreach (double bad in new[] { 0.0, -0.1, 1.5, double.NaN })
        {
            var e = Assert.Throws<ArgumentException>(() => GroupingRunner.Run(config, new GroupingOptions { Method = GroupingMethod.Transfer, Budget = 1, TransferFraction = bad }));
            Assert.Contains("must be in (0, 1]", e.Message, StringComparison.Ordinal);
            Assert.Contains("must be in (0, 1]", Assert.Throws<ArgumentException>(() => ConfigRunBuilder.Build(config, 0, 1, [0], bad)).Message, StringComparison.Ordinal);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => TaggingExperiments.TrainShare(EwtCorpus.Load(_corpus.Folder).Train, 0, 0));
        var g = Assert.Throws<ArgumentException>(() => GroupingRunner.Run(config, new GroupingOptions { Method = GroupingMethod.Gumbel, Budget = 1 }));
        Assert.Contains("routed model", g.Message, StringComparison.Ordinal);
    }
}
