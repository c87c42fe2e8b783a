using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Training.Callbacks;
using MtlSharp.NN.Checkpoints;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>
/// Runs a <see cref="RunPlan"/> of any family through the one loop, with the standard callbacks (checkpoints, metrics
/// log, TensorBoard, progress, and the report: <c>report.json</c>, <c>report.html</c> and — last, and only when the
/// schedule finished — the completion marker <see cref="CompleteFile"/>). A run folder without the marker is
/// unfinished: <see cref="RunOptions.Resume"/> continues it from <c>checkpoints/last</c>.
/// </summary>
public static class ExperimentRunner
{
    /// <summary>The completion marker, written last in a finished run's folder.</summary>
    public const string CompleteFile = ReportCallback.CompleteFile;

    /// <summary>The metrics log in a run folder.</summary>
    public const string MetricsFile = "metrics.jsonl";

    /// <summary>An adaptive sampler's probabilities at each validation, as a report matrix (validations × tasks).</summary>
    private static RunReport WithSamplerDecisions(RunPlan plan, RunReport report)
    {
        if (plan.Options.Sampler is not Strategies.Sampling.IEvaluationAwareSampler { History.Count: > 0 } adaptive)
        {
            return report;
        }

        var ci = System.Globalization.CultureInfo.InvariantCulture;
        var matrix = new Reporting.NamedMatrix(
            $"{adaptive.Name} sampler: task probabilities after each validation",
            [.. adaptive.History.Select(h => "update " + h.Step.ToString(ci))],
            [.. plan.Data.Tasks.Select(t => t.Name)],
            [.. adaptive.History.Select(h => h.Probabilities)]);
        return report with { Matrices = [.. report.Matrices, matrix] };
    }

    /// <summary>The relationship measurements of the run, if any, in its report.</summary>
    private static RunReport WithRelationships(TaskRelationshipCallback? relationships, RunReport report) =>
        relationships is null ? report : report with
        {
            GradientCurves = relationships.Curves(),
            Relationships = relationships.Matrices(),
            TaskAffinity = relationships.Affinity(),
        };

    /// <summary>Whether <paramref name="runDirectory"/> holds a finished run.</summary>
    public static bool IsComplete(string runDirectory) => File.Exists(Path.Combine(runDirectory, CompleteFile));

    /// <summary>The folder of the resumable state of a run (null when none was saved yet).</summary>
    public static string? LastCheckpoint(string runDirectory) => CheckpointFolder.Resolve(Path.Combine(runDirectory, "checkpoints", "last"));

    /// <summary>Trains the plan and returns its report (also written to the output folder when one is given).</summary>
    public static RunReport Run(RunPlan plan, RunOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        string? dir = options.OutputDirectory;
        var extra = new List<ITrainingCallback>();
        bool writes = options.GradientReducer is not { Rank: > 0 };   // data parallelism: rank 0 alone writes
        if (options.Relationships is { Any: true } && plan.Options.Sampler.OneTaskPerStep)
        {
            throw new ArgumentException($"Gradient statistics and task affinity compare the tasks of one update, but the sampler '{plan.Options.Sampler.Name}' puts one task in each; use a sampler that draws every task per update (--sampler all).");
        }

        var relationships = options.Relationships is { Any: true } ro ? new TaskRelationshipCallback(plan.Data.Tasks.Select(t => t.Name).ToArray(), ro) : null;
        if (relationships is not null)
        {
            extra.Add(relationships);
        }

        if (dir is not null && writes)
        {
            CheckWritable(dir);
            extra.Add(new CheckpointCallback(Path.Combine(dir, "checkpoints"), options.Tags, options.Config, options.CheckpointEverySteps, options.CheckpointEverySeconds)
            {
                // Data parallelism: the processes stop together one update later, but mpirun may kill them first (Ctrl-C).
                SaveOnStop = options.GradientReducer is null ? default : cancellation,
            });
            var log = new MetricsLogCallback(Path.Combine(dir, MetricsFile), plan.LossCurves);
            extra.Add(log);
            if (relationships is not null)
            {
                relationships.Measured += (step, values) => log.WriteValues(step, "gradients", values);
            }

            if (options.TensorBoard)
            {
                var tb = new TensorBoardCallback(Path.Combine(dir, "tensorboard"), plan.LossCurves);
                extra.Add(tb);
                if (relationships is not null)
                {
                    relationships.Measured += (step, values) => tb.AddScalars(step, values.Select(v => ("gradients/" + v.Name, v.Value)).ToArray());
                }
            }
        }

        if (options.Progress is { } progress && writes)
        {
            extra.Add(new ProgressCallback(progress, options.ProgressEvery));
        }

        var env = new Dictionary<string, string>(RunEnvironment.Describe());
        foreach (var (k, v) in plan.Configuration)
        {
            env[k] = v;
        }

        if (options.GradientReducer is { } reducer)
        {
            env["processes"] = reducer.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);   // data-parallel: MPI ranks
        }

        var reporter = new ReportCallback(writes ? dir : null, outcome => WithRelationships(relationships, WithSamplerDecisions(plan, plan.BuildReport(outcome))), env);
        extra.Add(reporter);
        var trainer = plan.CreateTrainer(extra, options.GradientReducer);
        try
        {
            if (options.Resume && dir is not null && LastCheckpoint(dir) is { } last)
            {
                trainer.Resume(last);
            }
            else if (dir is not null && writes)
            {
                RemoveEarlierRun(dir);
            }

            trainer.Train(cancellation);
            var report = reporter.Report!;
            return report;
        }
        finally
        {
            foreach (var cb in extra.OfType<IDisposable>())
            {
                cb.Dispose();
            }
        }
    }

    /// <summary>
    /// A fresh start (also a resume killed before its first checkpoint) in a folder that may hold an earlier run: its
    /// completion marker, report, checkpoints and logs go, so nothing of it is taken for this run's (the command line
    /// a caller wrote there stays).
    /// </summary>
    private static void RemoveEarlierRun(string dir)
    {
        foreach (string f in new[] { CompleteFile, MetricsFile, "report.json", "report.html" })
        {
            File.Delete(Path.Combine(dir, f));
        }

        foreach (string d in new[] { "checkpoints", "tensorboard" })
        {
            if (Directory.Exists(Path.Combine(dir, d)))
            {
                Directory.Delete(Path.Combine(dir, d), recursive: true);
            }
        }
    }

    /// <summary>Fails before training when the output folder cannot be created or written.</summary>
    private static void CheckWritable(string dir)
    {
        if (File.Exists(dir))
        {
            throw new IOException($"--out '{dir}' is an existing file, not a folder.");
        }

        Directory.CreateDirectory(dir);
        string probe = Path.Combine(dir, $".write-test.{Environment.ProcessId}");
        File.WriteAllText(probe, "");
        File.Delete(probe);

        // Temporary files of atomic writes cut short by a kill (".NAME.GUID.tmp") are never the current version.
        foreach (string stale in Directory.EnumerateFiles(dir, "*" + AtomicFile.TempSuffix).Where(f => Path.GetFileName(f).StartsWith('.')))
        {
            File.Delete(stale);
        }
    }
}
