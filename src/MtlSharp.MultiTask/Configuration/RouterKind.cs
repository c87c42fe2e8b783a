namespace MtlSharp.MultiTask.Configuration;

/// <summary>How a routed model allocates components to tasks.</summary>
public enum RouterKind
{
    /// <summary>Learned (Gumbel-Matrix).</summary>
    Gumbel,

    /// <summary>Every task uses every component (hard parameter sharing).</summary>
    SharedBottom,

    /// <summary>Task i uses component i only.</summary>
    NoSharing,

    /// <summary>The allocation given in the configuration.</summary>
    Fixed,
}
