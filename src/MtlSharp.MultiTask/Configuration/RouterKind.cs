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

    /// <summary>
    /// One network per task: every routed layer's components and every shared stage with parameters are replicated
    /// per task, and each task uses its own copies only (works with fewer components than tasks, unlike
    /// <see cref="NoSharing"/>).
    /// </summary>
    SingleTask,

    /// <summary>
    /// Per-example mixture-of-experts routing (Ramachandran &amp; Le 2019): in every routed layer a noisy top-k gate
    /// picks components for each example from the layer input and the task.
    /// </summary>
    Moe,
}
