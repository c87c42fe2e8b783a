namespace MtlSharp.MultiTask.Experiments;

/// <summary>The built-in Gumbel-Matrix experiments (paper sections in the docs of each builder).</summary>
public enum PresetId
{
    /// <summary>Sec. II: two synthetic tasks (ρ ∈ {0, 1}), shared bottom versus no sharing, loss over time.</summary>
    SyntheticTransfer,

    /// <summary>App. A3: two pairs of related synthetic tasks, one routed layer of four MLPs, no heads.</summary>
    SyntheticGumbel,

    /// <summary>Sec. V-A / App. B: MNIST, MNIST, MNIST-rot, MNIST-rot with three routed conv layers.</summary>
    Mnist4,
}
