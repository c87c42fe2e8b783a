namespace MtlSharp.MultiTask.Strategies.Sampling;

/// <summary>The task samplers a preset can be run with (the command line's <c>--sampler</c>).</summary>
public enum SamplerKind
{
    /// <summary><see cref="RoundSampler"/>: one task per step, every task once per round in a fresh order.</summary>
    Rounds,

    /// <summary><see cref="AllTasksSampler"/>: every task in every step.</summary>
    All,

    /// <summary><see cref="ProbabilitySampler"/>, uniform.</summary>
    Uniform,

    /// <summary><see cref="ProbabilitySampler"/>, proportional to training-set size.</summary>
    Proportional,

    /// <summary><see cref="ProbabilitySampler"/>, p ∝ n^(1/T).</summary>
    Temperature,

    /// <summary>Performance-adaptive: tasks that lag their target on validation are drawn more (<see cref="AdaptiveSampler"/>).</summary>
    Adaptive,
}
