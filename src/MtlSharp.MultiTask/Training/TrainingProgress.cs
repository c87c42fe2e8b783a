namespace MtlSharp.MultiTask.Training;

/// <summary>A progress report from a running training loop.</summary>
/// <param name="Update">Updates done.</param>
/// <param name="TotalUpdates">Updates planned.</param>
/// <param name="ElapsedSeconds">Training time so far.</param>
/// <param name="RecentLoss">Mean training loss over recent updates.</param>
/// <param name="Message">An event worth a line (evaluation results, checkpoint), or null.</param>
public readonly record struct TrainingProgress(long Update, long TotalUpdates, double ElapsedSeconds, double RecentLoss, string? Message = null);
