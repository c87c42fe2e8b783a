namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// The DSelect-k gate (Hazimeh et al. 2021) in place of softmax gates in a <see cref="MixtureOfExperts"/>:
/// <see cref="Selectors"/> = k binary-encoded selectors, each choosing one expert through smooth steps of width
/// <see cref="Gamma"/>; <see cref="Entropy"/> weighs the entropy penalty that drives each selector to a single expert.
/// </summary>
public sealed record DSelectOptions
{
    /// <summary>k, the number of selectors (at most k experts get non-zero weight once the selectors converge).</summary>
    public int Selectors { get; init; } = 2;

    /// <summary>γ, the width of the smooth step's transition (the paper's default 1).</summary>
    public float Gamma { get; init; } = 1f;

    /// <summary>λ of the entropy penalty λ · mean over rows of Σ_selectors H(r) (0: none).</summary>
    public float Entropy { get; init; } = 1e-3f;
}
