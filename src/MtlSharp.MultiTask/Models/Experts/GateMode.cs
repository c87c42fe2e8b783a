namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>How many gates a <see cref="MixtureOfExperts"/> has.</summary>
public enum GateMode
{
    /// <summary>One softmax gate per task (MMoE, Ma et al. 2018).</summary>
    PerTask,

    /// <summary>One softmax gate shared by every task (the one-gate mixture of experts, OMoE).</summary>
    One,
}
