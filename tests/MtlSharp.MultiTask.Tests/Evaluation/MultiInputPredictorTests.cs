using System.Text.Json.Nodes;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Evaluation;

/// <summary>
/// <see cref="MultiInputPredictor"/> on a small <c>multimodal</c> run: every task, given its own kind of input as a
/// user gives it (pixels, tokens, encoded rows), predicts what the model computes on the run's own test batches —
/// per token for tagging, in the order given, the same from four threads at once; a task given the other kind of
/// input is refused saying what it reads.
/// </summary>
public sealed class MultiInputPredictorTests
{
    private const string Small = """
        { "data": { "limit": { "train": 64, "evaluation": 40 } },
          "model": { "width": 12, "encoders": { "digits": { "filters": 3 }, "sentences": { "hidden": 5 }, "trigram": { "buckets": 512 } },
                     "core": { "layers": [ { "type": "mlp", "components": 4, "sizes": [10] } ] } } }
        """;

    [DatasetFact("ud-english-ewt")]
    public void EveryTaskPredictsWhatTheModelComputesFromManyThreads()
    {
        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("multimodal").Resolve("gumbel", (JsonObject)JsonNode.Parse(Small)!, Fixtures.DatasetsDir), 0, 1.0);
        var rng = new Rng(3);
        foreach (var p in plan.Model.Module.Parameters())
        {
            var noise = Tensor.Uniform(p.Value.Shape, -0.3f, 0.3f, rng).Span;
            Span<float> d = p.Data;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] += noise[i];
            }
        }

        var predictor = new MultiInputPredictor(plan);
        Assert.Equal([TaskInputKind.Images, TaskInputKind.Images, TaskInputKind.Sentences, TaskInputKind.Sentences, TaskInputKind.Rows, TaskInputKind.Rows], predictor.Inputs.Select(f => f.Kind));
        Assert.Equal(UdEnglishEwt.Genres, predictor.Labels(3));
        Assert.Contains("NOUN", predictor.Labels(2));
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], predictor.Labels(0));
        var test = ((ExampleEvaluator)plan.Evaluator).Test;
        int[] rows = [.. Enumerable.Range(0, 40)];

        // Images and rows: the test batch's tensors as float rows.
        foreach (int t in new[] { 0, 1, 4, 5 })
        {
            var x = ((TensorInput)test[t].Input(rows)).Value;
            Assert.Equal(x.ToArray().Length, 40 * predictor.RowSize(t));
            AssertEqual(Reference(plan.Model, t, test[t].Input(rows)), predictor.Predict(t, x.ToArray()));
        }

        // Sentences: the EWT test sentences as tokens; UPOS per real token, genre per sentence.
        var ewt = EwtCorpus.Load(Path.Combine(Fixtures.DatasetsDir, "ud-english-ewt")).Test.Take(40).ToArray();
        var tokens = ewt.Select(s => (IReadOnlyList<string>)s.Words).ToList();
        var batch = ((SentenceInput)test[2].Input(rows)).Value;
        float[] all = Reference(plan.Model, 2, test[2].Input(rows));
        int tags = plan.Data.Tasks[2].Outputs;
        var real = new List<float>();
        for (int p = 0; p < batch.BatchSize * batch.MaxLength; p++)
        {
            if (batch.Mask[p] != 0f)
            {
                real.AddRange(all.AsSpan(p * tags, tags));
            }
        }

        var upos = predictor.Predict(2, tokens);
        AssertEqual([.. real], upos);
        var genre = predictor.Predict(3, tokens);
        AssertEqual(Reference(plan.Model, 3, test[3].Input(rows)), genre);

        // Four threads at once: the same bits.
        var results = new float[4][];
        Parallel.For(0, 4, i => results[i] = predictor.Predict(2, tokens));
        Assert.All(results, r => Assert.Equal(upos, r));

        var e = Assert.Throws<ArgumentException>(() => predictor.Predict(0, tokens));
        Assert.Equal("Task 'digit' reads images (input 'digits'), not sentences.", e.Message);
        e = Assert.Throws<ArgumentException>(() => predictor.Predict(3, new float[10]));
        Assert.Equal("Task 'genre' reads sentences (input 'sentences'), not float rows.", e.Message);
        Assert.Throws<NotSupportedException>(() => new MultiInputPredictor(ConfigRunBuilder.Build(BuiltInConfigs.Load("synthetic-gumbel").Resolve("gumbel", null, null), 0, 0.01)));
    }

    private static float[] Reference(IMultiTaskModel model, int t, BatchInput input)
    {
        model.Module.Eval();
        using var _ = Autograd.NoGrad();
        int rows = input switch
        {
            TensorInput x => x.Value.Shape[0],
            BagInput b => b.Rows,
            SentenceInput s => s.Value.BatchSize * (t == 2 ? s.Value.MaxLength : 1),
            _ => 0,
        };
        return model.Forward(new MultiTaskBatch([new TaskBatch(t, input, new TaskTargets(new int[rows], null))]), new ForwardContext(0, false, new Rng(0), 1f))[0].ToArray();
    }

    private static void AssertEqual(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[i])), $"[{i}]: {actual[i]} vs {expected[i]}");
        }
    }
}
