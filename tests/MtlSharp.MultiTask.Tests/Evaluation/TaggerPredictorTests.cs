using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.NN.Checkpoints;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Evaluation;

/// <summary><see cref="TaggerPredictor"/>: a checkpoint's tagger predicts what the model computes, in the order given, from many threads at once.</summary>
public sealed class TaggerPredictorTests
{
    private static RunPlan Plan() => ConfigRunBuilder.Build(BuiltInConfigs.Load("ewt-domains").Resolve("sluice", null, Fixtures.DatasetsDir), seed: 0);

    [DatasetFact("ud-english-ewt")]
    public void LoadsACheckpointAndPredictsEverySentenceAsTheTaggerDoesFromManyThreads()
    {
        var trained = Plan();
        var rng = new Rng(9);
        foreach (var p in trained.Model.Module.Parameters())
        {
            var noise = Tensor.Uniform(p.Value.Shape, -0.2f, 0.2f, rng).Span;
            Span<float> d = p.Data;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] += noise[i];
            }
        }

        string dir = Path.Combine(Path.GetTempPath(), "mtl-tagger-predictor-" + Guid.NewGuid().ToString("N"));
        try
        {
            string file = Path.Combine(dir, Checkpoint.ModelFile);
            Checkpoint.SaveModel(trained.Model.Module, file);
            var predictor = TaggerPredictor.Load(Plan(), file);
            Assert.Equal(["DEPREL", "UPOS"], predictor.Tasks.Select(t => t.Name));
            Assert.Equal(1, predictor.TaskIndex("UPOS"));
            Assert.Contains("NOUN", predictor.Labels(1));
            Assert.Equal(predictor.Tasks[0].Outputs, predictor.Labels(0).Count);

            // 70 test sentences of mixed lengths (more than one internal batch), in corpus order.
            var test = EwtCorpus.Load(Path.Combine(Fixtures.DatasetsDir, "ud-english-ewt")).Of("test", "reviews").Take(70).ToArray();
            var sentences = test.Select(s => (IReadOnlyList<string>)s.Words).ToList();
            var all = predictor.Predict(sentences);
            var tagger = ((TaggerModel)trained.Model).Tagger;
            var batcher = ((TaggingEvaluator)trained.Evaluator).Batcher;
            tagger.Eval();
            int offset = 0;
            for (int i = 0; i < test.Length; i++)
            {
                Tensor[] expected;
                using (Autograd.NoGrad())
                {
                    expected = tagger.Forward(batcher.Create(test, [i]), batcher.Create(test, [i]).WordIds);
                }

                for (int t = 0; t < 2; t++)
                {
                    int c = predictor.Tasks[t].Outputs;
                    var e = expected[t].Span;
                    for (int k = 0; k < e.Length; k++)
                    {
                        float a = all[t][(offset * c) + k];
                        Assert.True(Math.Abs(e[k] - a) <= 1e-5 * Math.Max(1, Math.Abs(e[k])), $"sentence {i}, task {t}, value {k}: {a} vs {e[k]}");
                    }
                }

                offset += test[i].Length;
            }

            Assert.Equal(offset * predictor.Tasks[1].Outputs, all[1].Length);

            // Four threads at once, each its own calls: the same results as one thread, bit for bit.
            var results = new float[4][][];
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k => results[k] = predictor.Predict(sentences));
            Assert.All(results, r => Assert.Equal(all, r));

            Assert.Empty(predictor.Predict([])[0]);
            var e1 = Assert.Throws<ArgumentException>(() => predictor.Predict([["fine"], []]));
            Assert.Contains("Sentence 1 has no tokens", e1.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => predictor.Predict([["a", ""]]));
            Assert.Throws<ArgumentException>(() => predictor.TaskIndex("XPOS"));
            Assert.False(predictor.IsKnownWord("Zzyzxqwv"));
            Assert.True(predictor.IsKnownWord("the"));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
