namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>How a routed layer combines the outputs of its active components.</summary>
public enum CombineMode
{
    /// <summary>
    /// Mean of the active components: weights z / max(Σz, 1), zero output when none is active. The paper's rule
    /// (Sec. II) and the authors' <c>GumbelMatrixRouter</c>; the default.
    /// </summary>
    Mean,

    /// <summary>Sum of the active components (weights z): what the authors' code does for the fixed shared-bottom pattern.</summary>
    Sum,
}
