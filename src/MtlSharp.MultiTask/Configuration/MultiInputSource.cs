namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Several data sources in one run (<c>data.type</c> "multi-input"): named inputs (idx-images, ud-english-ewt, csv),
/// each task reading one of them (<see cref="TaskSpec.Input"/>).
/// </summary>
public sealed record MultiInputSource : DataSource
{
    /// <summary>The inputs by name, in configuration order.</summary>
    public required IReadOnlyList<KeyValuePair<string, DataSource>> Inputs { get; init; }

    /// <summary>At most this many training examples per task (the first ones), or null for all.</summary>
    public int? TrainLimit { get; init; }

    /// <summary>At most this many validation and test examples per task (the first ones), or null for all.</summary>
    public int? EvaluationLimit { get; init; }

    /// <summary>The input called <paramref name="name"/>, or null.</summary>
    public DataSource? Input(string name) => Inputs.FirstOrDefault(kv => kv.Key == name).Value;
}
