namespace MtlSharp.MultiTask.Models.Tagging;

/// <summary>The sequence-tagging methods compared in the sluice paper (spec B6 "Baselines").</summary>
public enum TaggingMethod
{
    /// <summary>The main task alone.</summary>
    SingleTask,

    /// <summary>One shared BiLSTM stack, task-specific output MLPs (all from the last layer).</summary>
    HardSharing,

    /// <summary>Søgaard and Goldberg (2016): shared stack, auxiliary tasks predicted from layer 1, the main task from the last.</summary>
    LowSupervision,

    /// <summary>Misra et al. (2016): one network per task, a learned α unit after every layer, no subspaces, last layer only.</summary>
    CrossStitch,

    /// <summary>Sluice network: per-task networks, two subspaces per layer mixed by α, β layer mixtures, orthogonality penalty, learned loss weights.</summary>
    Sluice,
}
