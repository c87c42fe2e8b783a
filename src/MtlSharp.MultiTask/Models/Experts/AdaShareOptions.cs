namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// How an <see cref="AdaShareNetwork"/> learns its select-or-skip policies (Sun et al. 2020), in updates of the loop.
/// Defaults: the paper's temperature 5 decayed ×0.965 per "epoch" (here <see cref="DecaySteps"/> updates), warm-up
/// with every block selected, then a curriculum that opens one more block from the top every
/// <see cref="CurriculumSteps"/> updates, and both regularisers at 0.01.
/// </summary>
public sealed record AdaShareOptions
{
    /// <summary>Initial Gumbel-Softmax temperature τ₀.</summary>
    public float Temperature { get; init; } = 5f;

    /// <summary>τ = max(<see cref="MinimumTemperature"/>, τ₀ · Decay^⌊(step − warm-up)/DecaySteps⌋).</summary>
    public float Decay { get; init; } = 0.965f;

    /// <summary>Updates per temperature decay (the paper's epoch).</summary>
    public int DecaySteps { get; init; } = 100;

    /// <summary>Lower bound on τ.</summary>
    public float MinimumTemperature { get; init; } = 0.1f;

    /// <summary>Updates with every block selected before any policy is sampled (the paper's warm-up).</summary>
    public long WarmupSteps { get; init; } = 200;

    /// <summary>After the warm-up, one more block (from the top) gets a learned policy every this many updates.</summary>
    public long CurriculumSteps { get; init; } = 100;

    /// <summary>λ_sp of the sparsity loss (cross-entropy of the learned policies towards "skip").</summary>
    public float Sparsity { get; init; } = 0.01f;

    /// <summary>λ_sh of the sharing loss (depth-weighted L1 distance of the tasks' "select" logits).</summary>
    public float Sharing { get; init; } = 0.01f;
}
