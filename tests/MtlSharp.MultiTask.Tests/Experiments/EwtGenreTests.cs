using System.Text.Json.Nodes;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.MultiInput;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Experiments;

/// <summary>
/// The <c>ewt-genre</c> preset: its methods resolve to the three sentence models, configuration mistakes are named,
/// and short runs through the one loop give the expected results (the class prior: the test share of the training
/// majority genre).
/// </summary>
public sealed class EwtGenreTests
{
    [Fact]
    public void MethodsResolveToTheirEncoders()
    {
        var doc = BuiltInConfigs.Load("ewt-genre");
        Assert.Equal(SentenceEncoderKind.Trigram, ((SentenceModelSpec)doc.ResolveWithoutFiles("trigram", null).Model).Encoder);
        var bilstm = (SentenceModelSpec)doc.ResolveWithoutFiles("bilstm", null).Model;
        Assert.Equal(SentenceEncoderKind.BiLstm, bilstm.Encoder);
        Assert.Equal(SentencePooling.Mean, bilstm.Pooling);
        Assert.Equal(SentenceEncoderKind.Prior, ((SentenceModelSpec)doc.ResolveWithoutFiles("majority", null).Model).Encoder);
        var trigram = (SentenceModelSpec)doc.ResolveWithoutFiles(null, null).Model;
        Assert.Equal(16384, trigram.Buckets);
        Assert.Equal(BagNormalization.L2, trigram.Normalization);
    }

    [Theory]
    [InlineData("""{ "data": { "trainGenre": "answers" } }""", "trainGenre")]
    [InlineData("""{ "model": { "pooling": "max" } }""", "BiLSTM")]
    [InlineData("""{ "tasks": [ { "name": "genre", "kind": "classification", "column": "upos" } ] }""", "genre")]
    [InlineData("""{ "tasks": [ { "name": "UPOS", "kind": "sequence-tagging", "column": "upos" } ] }""", "classification")]
    [InlineData("""{ "model": { "type": "tagger", "method": "single-task", "encoder": null } }""", "sentence model")]
    public void MistakesAreNamed(string patch, string expected)
    {
        string text = BuiltInConfigs.Text("ewt-genre");
        var root = JsonNode.Parse(text)!.AsObject();
        MergePatch.Apply(root, JsonNode.Parse(patch)!.AsObject());
        var e = Assert.ThrowsAny<Exception>(() => ConfigDocument.Parse(root.ToJsonString(), "test.json").ResolveWithoutFiles(null, null));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassPriorLearnsTheMajorityGenre()
    {
        var doc = BuiltInConfigs.Load("ewt-genre");
        var overrides = JsonNode.Parse("""{ "optimizer": { "learningRate": 0.05 }, "schedule": { "epochs": 2 } }""")!.AsObject();
        var config = doc.Resolve("majority", overrides, Fixtures.DatasetsDir);
        var report = ExperimentRunner.Run(ConfigRunBuilder.Build(config, seed: 0, scale: 0.1), new RunOptions { TensorBoard = false });
        var corpus = EwtCorpus.Load(Fixtures.DatasetsDir);
        string majority = corpus.Train.GroupBy(s => s.Genre).OrderByDescending(g => g.Count()).First().Key!;
        Assert.Equal("email", majority);
        double expected = corpus.Test.Count(s => s.Genre == majority) / (double)corpus.Test.Count;
        Assert.Equal(expected, report.Tasks[0].Test, 6);
    }

    [Fact]
    public void TrigramModelBeatsThePriorAfterAShortRun()
    {
        var doc = BuiltInConfigs.Load("ewt-genre");
        var config = doc.Resolve("trigram", JsonNode.Parse("""{ "schedule": { "epochs": 1 } }""")!.AsObject(), Fixtures.DatasetsDir);
        var plan = ConfigRunBuilder.Build(config, seed: 1, scale: 0.25);
        Assert.IsType<MultiInputModel>(plan.Model);
        var report = ExperimentRunner.Run(plan, new RunOptions { TensorBoard = false });
        var corpus = EwtCorpus.Load(Fixtures.DatasetsDir);
        double prior = corpus.Test.Count(s => s.Genre == "email") / (double)corpus.Test.Count;
        Assert.InRange(report.Tasks[0].Test, prior + 0.02, 1.0);
    }
}
