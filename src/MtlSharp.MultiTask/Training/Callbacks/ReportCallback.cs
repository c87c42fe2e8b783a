using System.Globalization;
using System.Text;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.NN.Checkpoints;

namespace MtlSharp.MultiTask.Training.Callbacks;

/// <summary>
/// The run report: once the outcome is known, builds the <see cref="RunReport"/> (the model family's builder plus
/// the environment and configuration entries) and writes <c>report.json</c>, <c>report.html</c> and — last, only
/// when the run finished — the completion marker <see cref="CompleteFile"/>.
/// </summary>
public sealed class ReportCallback(string? directory, Func<TrainingOutcome, RunReport> build, IReadOnlyDictionary<string, string> environment) : TrainingCallback
{
    /// <summary>The completion marker, written last in a finished run's folder.</summary>
    public const string CompleteFile = "complete.json";

    /// <summary>The report, once built.</summary>
    public RunReport? Report { get; private set; }

    /// <inheritdoc/>
    public override string Name => "report";

    /// <inheritdoc/>
    public override void OnOutcome(TrainingRun run, TrainingOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var report = build(outcome);
        var env = new Dictionary<string, string>(environment);
        foreach (var (k, v) in report.Environment)
        {
            env[k] = v;
        }

        env["cancelled"] = outcome.Cancelled ? "yes" : "no";
        env["selectedUpdate"] = outcome.SelectedStep.ToString(CultureInfo.InvariantCulture);
        if (outcome.StopReason is { } why)
        {
            env["stoppedEarly"] = why;
        }

        Report = report with { Environment = env };
        if (directory is null)
        {
            return;
        }

        RunReportJson.Save(Report, Path.Combine(directory, "report.json"));
        HtmlReportWriter.Save(Report, Path.Combine(directory, "report.html"));
        if (!outcome.Cancelled)
        {
            string marker = string.Create(CultureInfo.InvariantCulture, $"{{\"updates\": {outcome.Updates}, \"selectedUpdate\": {outcome.SelectedStep}}}\n");
            AtomicFile.WriteAllBytes(Path.Combine(directory, CompleteFile), Encoding.UTF8.GetBytes(marker));
        }
    }
}
