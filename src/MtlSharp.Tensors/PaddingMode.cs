namespace MtlSharp.Tensors;

/// <summary>Spatial padding of convolutions and pooling (TensorFlow semantics).</summary>
public enum PaddingMode
{
    /// <summary>No padding: out = floor((in − k) / s) + 1.</summary>
    Valid,

    /// <summary>
    /// out = ceil(in / s); total padding max((out − 1)·s + k − in, 0), the smaller half before and the larger
    /// half after (TensorFlow's rule). Pooling ignores padded cells (max over real cells, average over real cells).
    /// </summary>
    Same,
}
