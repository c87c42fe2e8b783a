namespace MtlSharp.MultiTask.Models.Sluice;

/// <summary>How the α matrices of cross-stitch / sluice units start (spec B4, D13).</summary>
public enum AlphaInit
{
    /// <summary>Every entry 1/(M·S): the official code's default; with S = 1 and tied weights it starts at hard sharing.</summary>
    Balanced,

    /// <summary>
    /// The paper's "bias towards one source subspace": each output subspace takes 0.9 from its own subspace and
    /// spreads 0.1 evenly over the other M·S − 1 (for S = 1, the code's diagonal 0.9, off-diagonal 0.1/(M−1)).
    /// </summary>
    Imbalanced,
}
