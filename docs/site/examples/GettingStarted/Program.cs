using System.Globalization;
using MtlSharp.Data.Tasks;
using MtlSharp.Export;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;

var ci = CultureInfo.InvariantCulture;

// <data>
// Your data as arrays: 8 features per example; three tasks over the same examples. "sum" and "diff" are related
// regression targets, "sign" is a classification of the sign of x0 · x1.
var rng = new Rng(42);                      // one explicit random stream, split for every consumer
const int Features = 8, TrainCount = 2000, TestCount = 500;
(float[] X, float[] Sum, float[] Diff, int[] Sign) MakeExamples(int n, Rng r)
{
    var x = new float[n * Features];
    var sum = new float[n];
    var diff = new float[n];
    var sign = new int[n];
    for (int i = 0; i < n; i++)
    {
        for (int j = 0; j < Features; j++)
        {
            x[i * Features + j] = (float)r.NextGaussian();
        }

        float a = x[i * Features], b = x[i * Features + 1];
        sum[i] = a + b + 0.5f * x[i * Features + 2];
        diff[i] = a + b - 0.5f * x[i * Features + 2];
        sign[i] = a * b > 0 ? 1 : 0;
    }

    return (x, sum, diff, sign);
}

var train = MakeExamples(TrainCount, rng.Split());
var test = MakeExamples(TestCount, rng.Split());
int[] shape = [Features];
TaskData[] tasks =
[
    new("sum", TaskKind.Regression, 1, new TaskSplit(train.X, shape, null, train.Sum), new TaskSplit(test.X, shape, null, test.Sum)),
    new("diff", TaskKind.Regression, 1, new TaskSplit(train.X, shape, null, train.Diff), new TaskSplit(test.X, shape, null, test.Diff)),
    new("sign", TaskKind.Classification, 2, new TaskSplit(train.X, shape, train.Sign, null), new TaskSplit(test.X, shape, test.Sign, null)),
];
// </data>

// <model>
// One routed layer of four MLP components: the Gumbel-Matrix router learns which task uses which component.
// Swap the router for FixedRouter.SharedBottom(3, 4) (hard sharing) or FixedRouter.NoSharing(3, 4).
var layer = new RoutedLayer(
    new MlpComponents(count: 4, dims: [Features, 32, 32], outputRelu: true, rng.Split()),
    new GumbelMatrixRouter(tasks.Length, components: 4, pInit: 0.5f),
    CombineMode.Mean);
var heads = new TaskHeads(inFeatures: 32, outFeatures: [1, 1, 2], rng.Split());   // a linear head per task
var network = new RoutedNetwork([layer], heads, dropout: 0f, tasks.Length);
// </model>

// <train>
// Every task in every step; the per-task gradients of the shared parameters are combined by PCGrad.
// Instead of Aggregator: Weighting = new UncertaintyWeighting(3), or nothing (equal weights).
var options = new TrainerOptions
{
    TotalSteps = 1500,
    Optimizers = [new Adam(network.Parameters(k => k.Role != ParameterRole.Routing), 0.01f),
                  new Adam(network.Parameters(ParameterRole.Routing), 0.01f)],
    Sampler = new AllTasksSampler(tasks.Length),
    Aggregator = new PcGradAggregator(rng.Split()),
    Noise = rng.Split(),
};
var data = new SplitTrainingData(tasks, batchSize: 64, [.. tasks.Select(_ => rng.Split())]);
var trainer = new Trainer(new RoutedModel(network), data, new SplitEvaluator(tasks, seed: 42), options);
TrainingOutcome outcome = trainer.Train();
foreach (var result in outcome.Tasks)
{
    Console.WriteLine(string.Create(ci, $"{result.Name,-5} test {result.Metric} {result.Test:F4}"));
}
// </train>

// <inspect>
// Which components each task uses (maximum likelihood), and the task clusters they imply.
var allocation = network.Allocations();
for (int t = 0; t < tasks.Length; t++)
{
    Console.WriteLine($"{tasks[t].Name,-5} uses components {string.Join(' ', allocation[0][t])}");
}

var clusters = TaskEmbeddings.Clusters(TaskEmbeddings.Embed(allocation));
Console.WriteLine("clusters: " + string.Join(" | ", clusters.Select(c => string.Join(' ', c.Select(t => tasks[t].Name)))));
// </inspect>

// <export>
// The trained network as one ONNX graph (input [N, 8], one output per task), for ONNX Runtime or any other runtime.
var onnx = OnnxExporter.Export(network, shape, [.. tasks.Select(t => t.Info)]);
string path = Path.Combine(Path.GetTempPath(), "getting-started.onnx");
onnx.Save(path);
Console.WriteLine($"exported {onnx.Tasks.Count} task outputs, {onnx.WeightCount} weights, to {path}");
// </export>
