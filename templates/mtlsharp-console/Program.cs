using System.Globalization;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;

// Two tasks from one CSV file (data.csv: a student's hours of study, attendance and track; whether they passed, and
// their score): a classification task and a regression task learnt together by one routed network.
// The same configuration can be saved as a file and run with 'mtl train --config FILE'; see 'mtl config schema'.
const string Config = """
    {
      "name": "MtlSharpApp",
      "data": { "type": "csv", "path": "data.csv", "split": { "test": 0.2, "valid": 0.2, "seed": 1 } },
      "tasks": [
        { "name": "passed", "kind": "classification", "column": "passed" },
        { "name": "score", "kind": "regression", "column": "score", "metric": "mae" }
      ],
      "model": {
        "type": "routed",
        "router": "ROUTER_VALUE",
        "layers": [ { "type": "mlp", "components": 2, "sizes": [16] } ],
        "heads": true
      },
      "strategy": { "sampler": "all", "aggregator": "AGGREGATOR_VALUE" },
      "optimizer": { "type": "adam", "learningRate": 0.01 },
      "schedule": { "batchSize": 16, "epochs": EPOCHS_VALUE }
    }
    """;

var ci = CultureInfo.InvariantCulture;
var document = ConfigDocument.Parse(Config, "Program.cs");
var config = document.Resolve(method: null, overrides: null, dataDirectory: AppContext.BaseDirectory);
var plan = ConfigRunBuilder.Build(config, seed: 0);
string runDirectory = Path.Combine(Environment.CurrentDirectory, "runs", "MtlSharpApp");
var report = ExperimentRunner.Run(plan, new RunOptions { OutputDirectory = runDirectory, TensorBoard = false });

foreach (var task in report.Tasks)
{
    Console.WriteLine(string.Create(ci, $"{task.Name,-8} test {task.Metric} {task.Test:G4}"));
}

Console.WriteLine($"report: {Path.Combine(runDirectory, "report.html")}");

// Predict on a new row, encoded exactly as the training rows were (label columns are not needed).
var csv = plan.Tabular!;
var predictor = new Predictor(plan);
string[] columns = ["hours", "attendance", "track"];
string?[] row = ["6.5", "0.9", "evening"];
var input = new float[csv.InputWidth];
csv.EncodeInput(csv.BindInputs(columns, "example"), row, input, "example");
float[] passed = predictor.Predict("passed", input);
float[] score = predictor.Predict("score", input);
var classes = csv.Labels[0].Classes;
Console.WriteLine(string.Create(ci,
    $"hours 6.5, attendance 0.9, evening: passed = {classes[passed[1] > passed[0] ? 1 : 0]}, score = {csv.Labels[1].Decode(score[0]):F1}"));
