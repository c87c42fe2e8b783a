namespace MtlSharp.MultiTask.Experiments;

/// <summary>How a routed experiment allocates components to tasks.</summary>
public enum RoutingMethod
{
    /// <summary>Task i uses component i (fixed).</summary>
    NoSharing,

    /// <summary>Every task uses every component (fixed).</summary>
    SharedBottom,

    /// <summary>Learned Gumbel-Matrix allocation.</summary>
    Gumbel,

    /// <summary>Learned Gumbel-Matrix allocation with the budget penalty (b = 0.75, λ = 1 unless overridden).</summary>
    GumbelBudget,
}
