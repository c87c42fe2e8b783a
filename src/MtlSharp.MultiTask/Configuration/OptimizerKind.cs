namespace MtlSharp.MultiTask.Configuration;

/// <summary>The optimizer of a configuration.</summary>
public enum OptimizerKind
{
    /// <summary>Adam.</summary>
    Adam,

    /// <summary>Plain SGD.</summary>
    Sgd,
}
