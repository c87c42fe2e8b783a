using MtlSharp.Data.Tasks;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// What a CSV task's outputs mean, as fitted on the training rows: the class names of a classification task (output
/// <c>i</c> is the logit of <see cref="Classes"/>[i]), the label columns of a multi-label task (one logit each), or the
/// standardisation of a regression task (the model predicts <c>(y − Mean) / Std</c>).
/// </summary>
public sealed class CsvTaskLabels
{
    internal CsvTaskLabels(string name, TaskKind kind, IReadOnlyList<string> classes, IReadOnlyList<string> columns, double mean, double std)
    {
        Name = name;
        Kind = kind;
        Classes = classes;
        Columns = columns;
        Mean = mean;
        Std = std;
    }

    /// <summary>The task's name.</summary>
    public string Name { get; }

    /// <summary>The task's kind.</summary>
    public TaskKind Kind { get; }

    /// <summary>Classification: the class names in output order (from the training rows). Otherwise empty.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>The label columns: one for classification and regression, one per output for multi-label.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Regression: the training mean subtracted from targets (0 when not standardised). Otherwise 0.</summary>
    public double Mean { get; }

    /// <summary>Regression: the training standard deviation targets were divided by (1 when not standardised). Otherwise 1.</summary>
    public double Std { get; }

    /// <summary>Regression: a model output in the label column's units, <c>value · Std + Mean</c>.</summary>
    public double Decode(double value) => (value * Std) + Mean;
}
