using System.Diagnostics;
using MtlSharp.MultiTask.Architectures;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Routing;
using MtlSharp.NN;
using MtlSharp.NN.Checkpoints;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Training;

/// <summary>
/// The Gumbel-Matrix training loop (paper Sec. IV, spec A6–A8): each round visits every task once in a fresh random
/// order, one single-task batch and one update per visit; each task keeps its own data order. Two Adam optimizers:
/// one for the model, one for the router logits, both stepping on every batch. Evaluation uses the
/// maximum-likelihood allocation. Where tasks have a validation split, the best evaluation (mean validation metric)
/// is kept and its weights are the ones reported on test.
/// </summary>
public sealed class RoutedTrainer
{
    private readonly RoutedNetwork _model;
    private readonly IReadOnlyList<TaskData> _tasks;
    private readonly RoutedTrainingOptions _o;
    private readonly TensorArena _arena = new();

    /// <summary>Creates a trainer; <paramref name="tasks"/> must match the model's task count.</summary>
    public RoutedTrainer(RoutedNetwork model, IReadOnlyList<TaskData> tasks, RoutedTrainingOptions options)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tasks = tasks ?? throw new ArgumentNullException(nameof(tasks));
        _o = options ?? throw new ArgumentNullException(nameof(options));
        if (tasks.Count != model.Tasks)
        {
            throw new ArgumentException($"The model has {model.Tasks} tasks but {tasks.Count} task datasets were given.");
        }
    }

    /// <summary>Trains, evaluates, and returns everything the run report needs.</summary>
    public TrainingOutcome Run(IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        int taskCount = _tasks.Count;
        var rng = new Rng(_o.Seed);
        var scheduler = new RoundScheduler(taskCount, rng.Split());
        var samplers = new EpochSampler[taskCount];
        for (int t = 0; t < taskCount; t++)
        {
            samplers[t] = new EpochSampler(_tasks[t].Train.Count, _o.BatchSize, rng.Split());
        }

        var noise = rng.Split();
        var modelParams = _model.Parameters(k => k.Role != ParameterRole.Routing);
        var routerParams = _model.Parameters(ParameterRole.Routing);
        var allParams = _model.Parameters();
        var modelOpt = new Adam(modelParams, _o.ModelLearningRate);
        Adam? routerOpt = routerParams.Count > 0 ? new Adam(routerParams, _o.RouterLearningRate) : null;
        IOptimizer[] optimizers = routerOpt is null ? [modelOpt] : [modelOpt, routerOpt];

        long total = _o.Rounds * taskCount;
        long curveEvery = Math.Max(1, total / Math.Max(1, _o.CurvePoints));
        long snapEvery = Math.Max(1, total / Math.Max(1, _o.AllocationSnapshots));
        long evalEvery = _o.EvaluateEveryRounds > 0 ? _o.EvaluateEveryRounds * taskCount : long.MaxValue;
        var curves = new CurveRecorder(_tasks.Select(t => t.Name).ToArray());
        var metricCurves = new List<(string Name, List<double> X, List<double> Y)>();
        var history = new AllocationRecorder(_model.RoutedLayers.Count);
        double[]? bestValues = null;
        double bestScore = double.NegativeInfinity;
        bool hasValid = _tasks.All(t => t.Valid is not null);

        var watch = new Stopwatch();
        double recentSum = 0;
        int recentCount = 0;
        long update = 0;
        bool cancelled = false;
        history.Snapshot(0, _model);
        for (; update < total; update++)
        {
            if (cancellation.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }

            watch.Start();
            int t = scheduler.Next();
            float loss = Step(t, samplers[t].Next(), update, noise, modelOpt, routerOpt, allParams);
            watch.Stop();

            curves.Add(t, loss);
            recentSum += loss;
            recentCount++;
            long done = update + 1;
            if (done % curveEvery == 0 || done == total)
            {
                curves.Flush(done);
            }

            if (done % snapEvery == 0 || done == total)
            {
                history.Snapshot(done, _model);
            }

            string? message = null;
            if (done % evalEvery == 0 && done != total)
            {
                var (score, summary) = PeriodicEvaluation(done, hasValid, metricCurves);
                message = summary;
                if (hasValid && score > bestScore)
                {
                    bestScore = score;
                    bestValues = Snapshot(allParams);
                    SaveCheckpoint("best", optimizers, done, score);
                }

                SaveCheckpoint("last", optimizers, done, score);
            }

            if (progress is not null && (done % 50 == 0 || done == total || message is not null))
            {
                progress.Report(new TrainingProgress(done, total, watch.Elapsed.TotalSeconds, recentSum / Math.Max(1, recentCount), message));
                recentSum = 0;
                recentCount = 0;
            }
        }

        if (hasValid)
        {
            var (score, _) = PeriodicEvaluation(update, true, metricCurves);
            if (score > bestScore || bestValues is null)
            {
                bestValues = Snapshot(allParams);
                bestScore = score;
                SaveCheckpoint("best", optimizers, update, score);
            }
        }

        SaveCheckpoint("last", optimizers, update, double.NaN);
        if (bestValues is not null)
        {
            Restore(allParams, bestValues);
        }

        var results = new List<TaskResult>();
        for (int t = 0; t < taskCount; t++)
        {
            double test = Evaluate(t, _tasks[t].Test);
            double? valid = _tasks[t].Valid is { } v ? Evaluate(t, v) : null;
            results.Add(new TaskResult(_tasks[t].Name, _tasks[t].MetricName, test, valid));
        }

        return new TrainingOutcome
        {
            Tasks = results,
            LossCurves = curves.ToCurves(),
            MetricCurves = metricCurves.Select(m => new Curve(m.Name, "updates", [.. m.X], [.. m.Y])).ToArray(),
            AllocationHistory = history.ToHistories(),
            TrainSeconds = watch.Elapsed.TotalSeconds,
            Updates = update,
            Cancelled = cancelled,
        };
    }

    private float Step(int t, ReadOnlySpan<int> rows, long update, Rng noise, Adam modelOpt, Adam? routerOpt, IReadOnlyList<Parameter> allParams)
    {
        var task = _tasks[t];
        using var scope = _arena.Enter();
        Tensor x = task.Train.GatherInputs(rows);
        var ctx = new RoutingContext(t, true, _o.Temperature.At(update), noise);
        Tensor prediction = _model.Forward(x, ctx);
        Tensor loss = TaskLoss(task, task.Train, rows, prediction);
        float taskLoss = LossGuard.Check(loss, update, t);
        if (_o.Budget is { } b && _model.LearnsAllocation)
        {
            loss = Ops.Add(loss, BudgetPenalty.Compute(_model.RouterLogits, t, b, _o.BudgetLambda));
        }

        modelOpt.ZeroGrad();
        routerOpt?.ZeroGrad();
        Autograd.Backward(loss);
        if (_o.ClipNorm > 0)
        {
            GradClip.ClipGlobalNorm(allParams, _o.ClipNorm);
        }

        modelOpt.Step();
        routerOpt?.Step();
        return taskLoss;
    }

    private static Tensor TaskLoss(TaskData task, TaskSplit split, ReadOnlySpan<int> rows, Tensor prediction)
    {
        if (task.Kind == TaskKind.Classification)
        {
            Span<int> labels = rows.Length <= 1024 ? stackalloc int[rows.Length] : new int[rows.Length];
            for (int i = 0; i < rows.Length; i++)
            {
                labels[i] = split.Labels![rows[i]];
            }

            return Ops.CrossEntropy(prediction, labels);
        }

        var target = Tensor.Scratch(prediction.Shape);
        Span<float> ts = target.Span;
        for (int i = 0; i < rows.Length; i++)
        {
            ts[i] = split.Targets![rows[i]];
        }

        return Ops.Mse(prediction, target);
    }

    /// <summary>The metric of task <paramref name="t"/> on <paramref name="split"/> (accuracy or MSE), ML allocation.</summary>
    public double Evaluate(int t, TaskSplit split)
    {
        ArgumentNullException.ThrowIfNull(split);
        _model.Eval();
        try
        {
            using var ng = Autograd.NoGrad();
            var ctx = new RoutingContext(t, false, 1f, new Rng(_o.Seed ^ 0xE7A1UL), _o.SampleAtEvaluation);
            double acc = 0;
            for (int start = 0; start < split.Count; start += _o.EvaluationBatchSize)
            {
                int n = Math.Min(_o.EvaluationBatchSize, split.Count - start);
                using var scope = _arena.Enter();
                Tensor pred = _model.Forward(split.InputsRange(start, n), ctx);
                ReadOnlySpan<float> p = pred.Span;
                if (split.Labels is { } labels)
                {
                    int classes = pred.Shape[1];
                    for (int i = 0; i < n; i++)
                    {
                        ReadOnlySpan<float> row = p.Slice(i * classes, classes);
                        int arg = 0;
                        for (int c = 1; c < classes; c++)
                        {
                            if (row[c] > row[arg])
                            {
                                arg = c;
                            }
                        }

                        acc += arg == labels[start + i] ? 1 : 0;
                    }
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        double d = p[i] - split.Targets![start + i];
                        acc += d * d;
                    }
                }
            }

            return acc / split.Count;
        }
        finally
        {
            _model.Train();
        }
    }

    private (double Score, string Summary) PeriodicEvaluation(long update, bool useValid, List<(string Name, List<double> X, List<double> Y)> curves)
    {
        double sum = 0;
        var parts = new List<string>();
        for (int t = 0; t < _tasks.Count; t++)
        {
            var task = _tasks[t];
            var split = useValid ? task.Valid! : task.Test;
            double m = Evaluate(t, split);
            sum += task.HigherIsBetter ? m : -m;
            string name = $"{task.Name} ({(useValid ? "valid" : "test")})";
            var entry = curves.Find(c => c.Name == name);
            if (entry.Name is null)
            {
                entry = (name, [], []);
                curves.Add(entry);
            }

            entry.X.Add(update);
            entry.Y.Add(m);
            parts.Add($"{task.Name} {m:G4}");
        }

        return (sum / _tasks.Count, $"update {update}: {(useValid ? "valid" : "test")} " + string.Join(", ", parts));
    }

    private void SaveCheckpoint(string name, IReadOnlyList<IOptimizer> optimizers, long update, double score)
    {
        if (_o.CheckpointDirectory is null)
        {
            return;
        }

        var metrics = new Dictionary<string, double>();
        if (!double.IsNaN(score))
        {
            metrics["score"] = score;
        }

        Checkpoint.Save(Path.Combine(_o.CheckpointDirectory, name), _model, optimizers, new CheckpointMetadata
        {
            Step = update,
            Metrics = metrics,
            OptimizerCount = optimizers.Count,
            Extra = _o.CheckpointTags,
        });
    }

    private static double[] Snapshot(IReadOnlyList<Parameter> ps)
    {
        var all = new List<double>();
        foreach (var p in ps)
        {
            foreach (float v in p.Data)
            {
                all.Add(v);
            }
        }

        return [.. all];
    }

    private static void Restore(IReadOnlyList<Parameter> ps, double[] values)
    {
        int i = 0;
        foreach (var p in ps)
        {
            Span<float> d = p.Data;
            for (int k = 0; k < d.Length; k++)
            {
                d[k] = (float)values[i++];
            }
        }
    }
}
