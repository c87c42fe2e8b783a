namespace MtlSharp.MultiTask.Strategies.Sampling;

/// <summary>How <see cref="ProbabilitySampler"/> weighs the tasks.</summary>
public enum TaskProbability
{
    /// <summary>p_t = 1/T.</summary>
    Uniform,

    /// <summary>p_t ∝ n_t, the task's training-set size (mt-dnn's default mixing).</summary>
    Proportional,

    /// <summary>p_t ∝ n_t^(1/T_s), temperature-scaled sizes (jiant, mt-dnn; T_s = 1 is proportional, ∞ uniform).</summary>
    Temperature,
}
