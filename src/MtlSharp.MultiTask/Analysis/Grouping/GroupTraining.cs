namespace MtlSharp.MultiTask.Analysis.Grouping;

/// <summary>One network trained for a grouping study.</summary>
/// <param name="Tasks">The tasks it was trained on (indices into the study's tasks, ascending).</param>
/// <param name="Selection">Each task's direction-signed selection metric (validation where the data has a split, else test; higher is better).</param>
/// <param name="Test">Each task's test metric.</param>
/// <param name="TrainSeconds">Training time.</param>
/// <param name="Purpose">Why it was trained ("standley", "tag", "gumbel", "chosen", "all-in-one").</param>
public sealed record GroupTraining(int[] Tasks, double[] Selection, double[] Test, double TrainSeconds, string Purpose);
