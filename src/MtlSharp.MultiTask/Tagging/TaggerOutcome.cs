namespace MtlSharp.MultiTask.Tagging;

/// <summary>What a <see cref="TaggerTrainer"/> run produced (the model holds the best epoch's weights afterwards).</summary>
public sealed record TaggerOutcome
{
    /// <summary>Epochs run.</summary>
    public required int Epochs { get; init; }

    /// <summary>The 1-based epoch with the best main-task dev accuracy (its weights are restored).</summary>
    public required int BestEpoch { get; init; }

    /// <summary>Best main-task dev accuracy.</summary>
    public required double BestDevAccuracy { get; init; }

    /// <summary>Dev accuracy of every task after each epoch: [epoch][task].</summary>
    public required IReadOnlyList<double[]> DevAccuracy { get; init; }

    /// <summary>Mean training loss of every task in each epoch: [epoch][task].</summary>
    public required IReadOnlyList<double[]> TrainLoss { get; init; }

    /// <summary>Training time (evaluation excluded), seconds.</summary>
    public required double TrainSeconds { get; init; }

    /// <summary>Training tokens processed.</summary>
    public required long TrainTokens { get; init; }

    /// <summary>Optimizer updates.</summary>
    public required long Updates { get; init; }

    /// <summary>True when stopped by cancellation.</summary>
    public bool Cancelled { get; init; }

    /// <summary>Training tokens per second.</summary>
    public double TokensPerSecond => TrainSeconds > 0 ? TrainTokens / TrainSeconds : 0;
}
