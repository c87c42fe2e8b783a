namespace MtlSharp.MultiTask.Models.Sluice;

/// <summary>What a task's output layer reads (spec B2.2; the official code's <c>--layer-connect</c>).</summary>
public enum LayerConnection
{
    /// <summary>The last layer only ('none' in the code; cross-stitch and the plain baselines).</summary>
    Last,

    /// <summary>A learned β mixture of all layers ("layer-stitch", the sluice network).</summary>
    Stitch,

    /// <summary>The plain sum of all layers (skip connections).</summary>
    Skip,

    /// <summary>The concatenation of all layers (K·D features).</summary>
    Concat,
}
