namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// A model over several input types (<c>model.type</c> "multi-input"): an encoder per input type, all ending at
/// <see cref="Width"/>, a shared core (dense tanh layers, or any routed network: shared-bottom, Gumbel-Matrix,
/// no-sharing, single-task, …), a head per task.
/// </summary>
public sealed record MultiInputModelSpec : ModelSpec
{
    /// <summary>The encoders' output width (the core's input width).</summary>
    public int Width { get; init; } = 64;

    /// <summary>The encoders by name, in configuration order.</summary>
    public required IReadOnlyList<KeyValuePair<string, InputEncoderSpec>> Encoders { get; init; }

    /// <summary>A routed core, or null for the dense core of <see cref="CoreSizes"/>.</summary>
    public RoutedModelSpec? Core { get; init; }

    /// <summary>Dense core: layer widths (linear + tanh each).</summary>
    public IReadOnlyList<int> CoreSizes { get; init; } = [64];

    /// <summary>One copy of each encoder per task reading it (no encoder is shared): with a single-task core, separate models.</summary>
    public bool SeparateEncoders { get; init; }
}
