using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Tagging;

public sealed class TaggerTests
{
    private static readonly TaggerConfig Tiny = new() { WordDim = 6, CharDim = 5, CharHidden = 4, Hidden = 4, Layers = 3, MlpHidden = 5 };

    private static readonly Lazy<List<TaggedSentence>> Dev = new(() => UdEnglishEwt.LoadTagged(Path.Combine(Fixtures.DatasetsDir, "ud-english-ewt"), "dev"));

    private static (SentenceBatcher Batcher, SentenceBatch Batch, List<TaggedSentence> Sentences) Data(int count)
    {
        var sentences = Dev.Value.Where(s => s.Length is >= 4 and <= 12).Take(count).ToList();
        var tasks = new[] { TaggingTask.DeprelBase(sentences), TaggingTask.Upos(sentences) };
        var batcher = new SentenceBatcher(Vocabulary.ForWords(sentences), tasks, Vocabulary.ForCharacters(sentences), CharLayout.Padded, 30);
        return (batcher, batcher.Create(sentences), sentences);
    }

    private static SequenceTagger Model(TaggerConfig config, SentenceBatcher b, ulong seed = 1) =>
        new(config, b.Words.Count, b.Chars!.Count, b.Tasks.Select(t => t.NumTags).ToArray(), new Rng(seed));

    [Fact]
    public void CharFinalStatesGradientsMatchFiniteDifferences()
    {
        var y = Tensor.Uniform(new Shape(3, 4, 6), -1f, 1f, new Rng(2));
        y.RequiresGrad = true;
        int[] lengths = [2, 0, 4];
        GradCheck.Check("CharFinalStates", i => CharFinalStates.Gather(i[0], lengths, [4, 0, 1], 5), [y], eps: 1e-3f);
        var o = CharFinalStates.Gather(y, lengths);
        Assert.Equal(y.Span.Slice(((0 * 4) + 1) * 6, 3).ToArray(), o.Span[..3].ToArray());   // forward state at len − 1
        Assert.Equal(y.Span.Slice(3, 3).ToArray(), o.Span.Slice(3, 3).ToArray());               // reverse state at 0
        Assert.All(o.Span.Slice(6, 6).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void BalancedCrossStitchWithTiedWeightsEqualsHardSharing()
    {
        var (batcher, batch, _) = Data(4);
        var hard = Model(Tiny, batcher);
        var stitch = Model(Tiny with { PerTaskNetworks = true, Subspaces = 1, AlphaInit = AlphaInit.Balanced }, batcher, seed: 9);
        var hardParams = hard.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, p) in stitch.NamedParameters())
        {
            string source = name.StartsWith("lstm0.", StringComparison.Ordinal) || name.StartsWith("lstm1.", StringComparison.Ordinal) ? "lstm." + name[6..] : name;
            if (hardParams.TryGetValue(source, out var h))
            {
                h.Data.CopyTo(p.Data);
            }
        }

        using var ng = Autograd.NoGrad();
        var a = hard.Forward(batch, batch.WordIds);
        var b = stitch.Forward(batch, batch.WordIds);
        for (int m = 0; m < 2; m++)
        {
            TensorAssert.Close(a[m], b[m], atol: 1e-5, rtol: 1e-4, what: $"task {m}");
        }
    }

    [Fact]
    public void LowSupervisionPredictsTheAuxiliaryTaskFromTheFirstLayer()
    {
        var (batcher, batch, _) = Data(3);
        var model = Model(TaggerConfig.ForMethod(TaggingMethod.LowSupervision, 2) with { WordDim = 6, CharDim = 5, CharHidden = 4, Hidden = 4, MlpHidden = 5 }, batcher);
        using var ng = Autograd.NoGrad();
        var before = model.Forward(batch, batch.WordIds).Select(t => t.ToArray()).ToArray();
        var w = model.Stacks[0].Direction(2, reverse: false).WeightIh;   // layer 3
        foreach (ref float v in w.Data)
        {
            v += 0.5f;
        }

        var after = model.Forward(batch, batch.WordIds);
        Assert.Equal(before[1], after[1].ToArray());          // UPOS reads layer 1
        Assert.NotEqual(before[0], after[0].ToArray());       // DEPREL reads layer 3
    }

    private static MultiTaskBatch AllTasks(SentenceBatch batch, int tasks)
    {
        var input = new SentenceInput(batch);
        return new MultiTaskBatch(Enumerable.Range(0, tasks).Select(m => new TaskBatch(m, input, new TaskTargets(batch.TagIds[m], null, batch.TagMasks[m], batch.BatchSize))).ToArray());
    }

    private static Trainer LoopFor(SequenceTagger model, ILossWeighting weighting, SentenceBatcher batcher, List<TaggedSentence> sentences, int epochs, int batchSize = 4, float lr = 0.1f)
    {
        var rng = new Rng(3);
        var infos = batcher.Tasks.Select(t => TaskInfo.Tagging(t.Name, t.NumTags)).ToArray();
        var data = new SentenceTrainingData(sentences, batcher, infos, batchSize, 1.0, rng);
        var groups = new List<OptimizerGroup> { new(model.Parameters(), lr) };
        if (weighting.Parameters.Count > 0)
        {
            groups.Add(new OptimizerGroup(weighting.Parameters, lr * TaggingExperiments.StrategyLearningRateScale));
        }

        var options = new TrainerOptions
        {
            TotalSteps = epochs * data.StepsPerEpoch!.Value,
            Optimizers = [new Sgd(groups)],
            Sampler = new AllTasksSampler(infos.Length),
            Weighting = weighting,
            ClipNorm = TaggingExperiments.ClipNorm,
            Noise = rng,
            KeepBest = false,
        };
        return new Trainer(new TaggerModel(model, 0f, batcher.Words.UnknownId), data, new TaggingEvaluator(batcher, sentences, sentences), options);
    }

    [Fact]
    public void SluiceTrainingOnAFewEwtSentencesLowersTheLoss()
    {
        var (batcher, _, sentences) = Data(24);
        var config = TaggerConfig.ForMethod(TaggingMethod.Sluice, 2) with { WordDim = 8, CharDim = 6, CharHidden = 6, Hidden = 8, MlpHidden = 8, Connection = LayerConnection.Stitch };
        var model = Model(config, batcher);
        var trainer = LoopFor(model, new UncertaintyWeighting(2), batcher, sentences, epochs: 10);
        var all = AllTasks(batcher.Create(sentences), 2);
        double Objective()
        {
            using var ng = Autograd.NoGrad();
            return trainer.Objective(all, new ForwardContext(0, true, new Rng(3), 1f))!.Item();
        }

        double start = Objective();
        var outcome = trainer.Train();
        double end = Objective();
        Assert.Equal(10 * 6, outcome.Updates);                  // 24 sentences in batches of 4, 10 epochs
        Assert.True(end < 0.9 * start, $"loss {start:F3} → {end:F3}");
        Assert.NotEqual(0.9f, model.Alpha[0].Span[0]);   // α is learned
        Assert.NotEqual(0.9f, model.Beta!.Span[2]);      // β is learned
        Assert.All(outcome.Tasks, t => Assert.InRange(t.Test, 0.0, 1.0));
    }

    [Theory]
    [InlineData(TaggingMethod.Sluice)]
    [InlineData(TaggingMethod.HardSharing)]
    public void WholeModelLossGradientsMatchFiniteDifferences(TaggingMethod method)
    {
        var (batcher, batch, sentences) = Data(3);
        var config = TaggerConfig.ForMethod(method, 2) with { WordDim = 4, CharDim = 3, CharHidden = 3, Hidden = 4, MlpHidden = 5, Connection = method == TaggingMethod.Sluice ? LayerConnection.Stitch : LayerConnection.Last };
        var model = Model(config, batcher);
        var trainer = LoopFor(model, method == TaggingMethod.Sluice ? new UncertaintyWeighting(2) : FixedWeighting.Equal(2), batcher, sentences, epochs: 1);
        var named = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value);
        string[] names = method == TaggingMethod.Sluice
            ? ["alpha0", "alpha2", "beta", "lstm1.weight_ih_l0", "lstm0.weight_hh_l2_reverse", "encoder.chars.weight", "encoder.char_lstm.weight_ih_l0", "head0.hidden.weight"]
            : ["lstm.weight_ih_l1", "encoder.words.weight", "encoder.char_lstm.weight_hh_l0_reverse", "head1.output.bias"];
        Tensor[] inputs = names.Select(n => named[n]).ToArray();
        var all = AllTasks(batch, 2);
        GradCheck.Check($"TaggerLoss/{method}", _ => trainer.Objective(all, new ForwardContext(0, true, new Rng(1), 1f))!, inputs, eps: 1e-2f, atol: 5e-3, rtol: 3e-2, maxElementsPerInput: 15);
    }

    [Fact]
    public void ReportMatricesHoldAlphaPerLayerBetaAndLossWeights()
    {
        var (batcher, _, _) = Data(2);
        var model = Model(TaggerConfig.ForMethod(TaggingMethod.Sluice, 2) with { WordDim = 6, CharDim = 5, CharHidden = 4, Hidden = 4, MlpHidden = 5, Connection = LayerConnection.Stitch }, batcher);
        var matrices = TaggingReports.Matrices(model, new UncertaintyWeighting(2), ["DEPREL", "UPOS"]);
        Assert.Equal(["alpha layer 1", "alpha layer 2", "alpha layer 3", "beta", "loss weights (uncertainty)"], matrices.Select(m => m.Name).ToArray());
        Assert.Equal(["DEPREL.1", "DEPREL.2", "UPOS.1", "UPOS.2"], matrices[0].RowLabels);
        Assert.Equal(4, matrices[0].Values.Length);
        Assert.Equal([0.05, 0.05, 0.9], matrices[3].Values[0].Select(v => Math.Round(v, 6)).ToArray());
        Assert.Equal(ParameterKind.Routing, model.NamedParameters().Single(p => p.Name == "beta").Parameter.Kind);
        Assert.Equal(ParameterKind.Task(1), model.NamedParameters().First(p => p.Name.StartsWith("lstm1.", StringComparison.Ordinal)).Parameter.Kind);
    }

    [Fact]
    public void OrthogonalityPenaltyCoversEveryTaskLayerAndDirection()
    {
        var (batcher, _, _) = Data(2);
        var model = Model(TaggerConfig.ForMethod(TaggingMethod.Sluice, 2) with { WordDim = 6, CharDim = 5, CharHidden = 4, Hidden = 4, MlpHidden = 5, Connection = LayerConnection.Stitch }, batcher);
        double expected = 0;
        foreach (var s in model.Stacks)
        {
            for (int l = 0; l < 3; l++)
            {
                foreach (bool rev in (bool[])[false, true])
                {
                    var d = s.Direction(l, rev);
                    expected += OrthogonalityPenalty.Of(d.InputGateRowsIh(), 2).Item() + OrthogonalityPenalty.Of(d.InputGateRowsHh(), 2).Item();
                }
            }
        }

        Assert.Equal(expected, model.OrthogonalityPenalty().Item(), 4);
    }
}
