namespace MtlSharp.Data.Images;

/// <summary>Direction of a 90° rotation, as the image is viewed (row 0 at the top).</summary>
public enum RotationDirection
{
    /// <summary>
    /// Counter-clockwise: <c>tf.image.rot90(x, k=1)</c>, <c>np.rot90(x)</c>, <c>torch.rot90(x, 1, (-2, -1))</c>.
    /// The Gumbel-Matrix official code builds MNIST-rot this way.
    /// </summary>
    CounterClockwise,

    /// <summary>Clockwise: <c>torch.rot90(x, -1, (-2, -1))</c>. The paper's text and the peer script use this.</summary>
    Clockwise,
}
