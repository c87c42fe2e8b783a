using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MtlSharp.Export;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.Tensors;

namespace MtlSharp.Benchmarks.Cases;

/// <summary>
/// Inference of the mnist4 Gumbel-Matrix model (freshly initialised; the allocation is its maximum-likelihood one):
/// <see cref="Predictor.PredictAll"/> against ONNX Runtime running the <see cref="OnnxExporter"/> export of the same
/// model, every task's outputs, batch 1 and 64, the same thread count (ONNX Runtime: intra-op threads, one inter-op).
/// Needs MNIST under <c>MTLSHARP_DATA</c> (default ../shared/datasets) for the run's shapes; skipped without it.
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
            yield break;
        }

        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("mnist4").Resolve("gumbel", null, data), seed: 0, scale: 0.001);
        var predictor = new Predictor(plan);
        var model = OnnxExporter.Export(plan);
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = Threading.ThreadCount, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(model.ToArray(), sessionOptions);
        var rng = new Rng(1);
        foreach (int batch in new[] { 1, 64 })
        {
            var x = new float[batch * 28 * 28];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = rng.NextFloat();
            }

            var (ours, oursAlloc) = Measure.Time(() => predictor.PredictAll(x), options);
            yield return new BenchResult(Name, $"infer/mnist4/predictor/b{batch}", Threading.ThreadCount, ours, null, oursAlloc, "batch");
            var input = new DenseTensor<float>(x, [batch, 1, 28, 28]);
            var inputs = new[] { NamedOnnxValue.CreateFromTensor(model.InputName, input) };
            var (ort, ortAlloc) = Measure.Time(() =>
            {
                using var results = session.Run(inputs);
            }, options);
            yield return new BenchResult(Name, $"infer/mnist4/onnxruntime/b{batch}", Threading.ThreadCount, ort, null, ortAlloc, "batch");
        }
    }
}
