using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MtlSharp.Data.Text;
using MtlSharp.Export;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.Benchmarks.Cases;

/// <summary>
/// Inference of the mnist4 Gumbel-Matrix model (freshly initialised; the allocation is its maximum-likelihood one):
/// <see cref="Predictor.PredictAll"/> against ONNX Runtime running the <see cref="OnnxExporter"/> export of the same
/// model, every task's outputs, batch 1 and 64, the same thread count (ONNX Runtime: intra-op threads, one inter-op).
/// Then the ewt-domains hard-sharing tagger (full size, freshly initialised): <see cref="TaggerPredictor.Predict"/>
/// against ONNX Runtime on the export, both from the words of real EWT test sentences (ONNX Runtime's side includes
/// the vocabulary look-up and padding, as the predictor's does), batch 1 (a 17-token sentence) and 64 sentences.
/// Then mnist4 with differing allocations, PredictAll against per-task calls (ours only, <c>infer/mnist4-mixed/…</c>).
/// <see cref="BenchFilter"/> (BENCH_FILTER) selects keys, e.g. <c>predictor</c> or <c>mnist4/onnxruntime</c>.
/// Needs MNIST and UD English-EWT under <c>MTLSHARP_DATA</c> (default ../shared/datasets); a part is skipped without its data.
/// </summary>
internal sealed class InferenceCase : IBenchCase
{
    public string Name => "inference";

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        string data = Environment.GetEnvironmentVariable("MTLSHARP_DATA") ?? Path.Combine("..", "shared", "datasets");
        if (!Directory.Exists(Path.Combine(data, "mnist")))
        {
            Console.Error.WriteLine($"inference: no mnist/ under {Path.GetFullPath(data)}; skipped (set MTLSHARP_DATA)");
        }
        else
        {
            foreach (var r in Mnist4(data, options))
            {
                yield return r;
            }

            foreach (var r in Mnist4Mixed(data, options))
            {
                yield return r;
            }
        }

        if (!Directory.Exists(Path.Combine(data, "ud-english-ewt")))
        {
            Console.Error.WriteLine($"inference: no ud-english-ewt/ under {Path.GetFullPath(data)}; tagger skipped (set MTLSHARP_DATA)");
        }
        else
        {
            foreach (var r in Tagger(data, options))
            {
                yield return r;
            }
        }
    }

    private IEnumerable<BenchResult> Tagger(string data, BenchOptions options)
    {
        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("ewt-domains").Resolve("hard-sharing", null, data), seed: 0);
        var predictor = new TaggerPredictor(plan);
        var batcher = ((TaggingEvaluator)plan.Evaluator).Batcher;
        var test = EwtCorpus.Load(Path.Combine(data, "ud-english-ewt")).Of("test", "answers");
        var empty = new Dictionary<string, string[]>();
        var batches = new[] { 1, 64 }.Select(batch =>
        {
            var sentences = batch == 1 ? [test.First(s => s.Length == 17)] : test.Take(64).ToArray();
            return (Batch: batch, Words: sentences.Select(s => (IReadOnlyList<string>)s.Words).ToList());
        }).ToArray();

        // Ours first, then ONNX Runtime: its session's intra-op threads spin after each run and took cores from
        // whatever was measured next (our times varied 2x with the order).
        foreach (var (batch, words) in batches.Where(b => BenchFilter.Matches($"infer/tagger/predictor/b{b.Batch}")))
        {
            var (ours, oursBest, oursAlloc) = Measure.TimeWithBest(() => predictor.Predict(words), options);
            yield return new BenchResult(Name, $"infer/tagger/predictor/b{batch}", Threading.ThreadCount, ours, null, oursAlloc, "batch") { BestSecondsPerIteration = oursBest };
        }

        if (!batches.Any(b => BenchFilter.Matches($"infer/tagger/onnxruntime/b{b.Batch}")))
        {
            yield break;
        }

        var model = OnnxExporter.Export(plan);
        using var session = OpenSession(model.ToArray());
        foreach (var (batch, words) in batches.Where(b => BenchFilter.Matches($"infer/tagger/onnxruntime/b{b.Batch}")))
        {
            var (ort, ortAlloc) = Measure.Time(() =>
            {
                var tagged = words.Select(w => new TaggedSentence([.. w], empty, "bench")).ToArray();
                var b = batcher.Create(tagged);
                long n = b.BatchSize, t = b.MaxLength;
                var inputs = new[]
                {
                    NamedOnnxValue.CreateFromTensor(OnnxExporter.WordsInput, new DenseTensor<long>(b.WordIds.Select(v => (long)v).ToArray(), [(int)n, (int)t])),
                    NamedOnnxValue.CreateFromTensor(OnnxExporter.LengthsInput, new DenseTensor<long>(b.Lengths.Select(v => (long)v).ToArray(), [(int)n])),
                    NamedOnnxValue.CreateFromTensor(OnnxExporter.CharsInput, new DenseTensor<long>(b.CharIds!.Select(v => (long)v).ToArray(), [(int)n, (int)t, b.MaxChars])),
                    NamedOnnxValue.CreateFromTensor(OnnxExporter.CharLengthsInput, new DenseTensor<long>(b.CharLengths.Select(v => (long)v).ToArray(), [(int)n, (int)t])),
                };
                using var results = session.Run(inputs);
            }, options);
            yield return new BenchResult(Name, $"infer/tagger/onnxruntime/b{batch}", Threading.ThreadCount, ort, null, ortAlloc, "batch");
        }
    }

    private IEnumerable<BenchResult> Mnist4(string data, BenchOptions options)
    {
        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("mnist4").Resolve("gumbel", null, data), seed: 0, scale: 0.001);
        var predictor = new Predictor(plan);
        var rng = new Rng(1);
        var inputs = new[] { 1, 64 }.Select(batch =>
        {
            var x = new float[batch * 28 * 28];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = rng.NextFloat();
            }

            return (Batch: batch, X: x);
        }).ToArray();

        // Ours first, then ONNX Runtime (see the tagger).
        foreach (var (batch, x) in inputs.Where(b => BenchFilter.Matches($"infer/mnist4/predictor/b{b.Batch}")))
        {
            var (ours, oursBest, oursAlloc) = Measure.TimeWithBest(() => predictor.PredictAll(x), options);
            yield return new BenchResult(Name, $"infer/mnist4/predictor/b{batch}", Threading.ThreadCount, ours, null, oursAlloc, "batch") { BestSecondsPerIteration = oursBest };
        }

        if (!inputs.Any(b => BenchFilter.Matches($"infer/mnist4/onnxruntime/b{b.Batch}")))
        {
            yield break;
        }

        var model = OnnxExporter.Export(plan);
        using var session = OpenSession(model.ToArray());
        foreach (var (batch, x) in inputs.Where(b => BenchFilter.Matches($"infer/mnist4/onnxruntime/b{b.Batch}")))
        {
            var input = new DenseTensor<float>(x, [batch, 1, 28, 28]);
            var feed = new[] { NamedOnnxValue.CreateFromTensor(model.InputName, input) };
            var (ort, ortAlloc) = Measure.Time(() =>
            {
                using var results = session.Run(feed);
            }, options);
            yield return new BenchResult(Name, $"infer/mnist4/onnxruntime/b{batch}", Threading.ThreadCount, ort, null, ortAlloc, "batch");
        }
    }
    /// <summary>
    /// mnist4 with the router scrambled (weights and router logits moved by seeded uniform noise, as PredictorTests
    /// does) so that the tasks use different components: <see cref="Predictor.PredictAll"/> (one pass, shared
    /// components once) against one <see cref="Predictor.Predict(int, ReadOnlySpan{float})"/> call per task, batch 64.
    /// Ours only (keys infer/mnist4-mixed/…).
    /// </summary>
    private IEnumerable<BenchResult> Mnist4Mixed(string data, BenchOptions options)
    {
        if (!BenchFilter.Matches("infer/mnist4-mixed/"))
        {
            yield break;
        }

        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("mnist4").Resolve("gumbel", null, data), seed: 0, scale: 0.001);
        var noiseRng = new Rng(8);
        foreach (var p in plan.Model.Module.Parameters())
        {
            var noise = MtlSharp.Tensors.Tensor.Uniform(p.Value.Shape, -0.5f, 0.5f, noiseRng).Span;
            Span<float> d = p.Data;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] += p.Kind.Role == MtlSharp.NN.ParameterRole.Routing ? 8 * noise[i] : noise[i];
            }
        }

        var predictor = new Predictor(plan);
        var rng = new Rng(1);
        var x = new float[64 * 28 * 28];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextFloat();
        }

        var (all, allAlloc) = Measure.Time(() => predictor.PredictAll(x), options);
        yield return new BenchResult(Name, "infer/mnist4-mixed/predict-all/b64", Threading.ThreadCount, all, null, allAlloc, "batch");
        var (each, eachAlloc) = Measure.Time(() =>
        {
            for (int t = 0; t < predictor.Tasks.Count; t++)
            {
                predictor.Predict(t, x);
            }
        }, options);
        yield return new BenchResult(Name, "infer/mnist4-mixed/predict-per-task/b64", Threading.ThreadCount, each, null, eachAlloc, "batch");
    }

    /// <summary>An ONNX Runtime session for <paramref name="model"/> on the benchmark's thread count, operators run one after another.</summary>
    private static InferenceSession OpenSession(byte[] model)
    {
        using var options = new SessionOptions { IntraOpNumThreads = Threading.ThreadCount, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        return new InferenceSession(model, options);
    }
}
