namespace MtlSharp.NN;

/// <summary>What a parameter is for in a multi-task model (the flax nnx / equinox idea of a filterable kind).</summary>
public enum ParameterRole
{
    /// <summary>Shared by every task (the default).</summary>
    Shared,

    /// <summary>Belongs to one task (its index is in <see cref="ParameterKind.TaskIndex"/>).</summary>
    Task,

    /// <summary>Routing / gating parameters (e.g. Gumbel-Matrix logits); often get their own optimizer or learning rate.</summary>
    Routing,

    /// <summary>Parameters of an MTL strategy (e.g. uncertainty-weighting log-variances).</summary>
    Strategy,
}
