namespace MtlSharp.MultiTask.Evaluation;

/// <summary>Which held-out split to evaluate on.</summary>
public enum EvaluationSplit
{
    /// <summary>The validation (dev) split: model selection and early stopping.</summary>
    Validation,

    /// <summary>The test split: reported, never used for decisions.</summary>
    Test,
}
