namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// One LSTM layer over a padded batch (PyTorch's gate order i, f, g, o and equations):
    /// x [B, T, I]; <paramref name="lengths"/> (B values in [0, T]) the real lengths; wIh [4H, I], wHh [4H, H],
    /// bIh and bHh [4H] or null. Returns [B, T, H]; positions t ≥ lengths[b] are zero and carry no gradient.
    /// With <paramref name="reverse"/>, each sequence is read from its last real token back to its first, and
    /// outputs stay aligned with the input positions (PyTorch's packed bidirectional semantics). Initial states
    /// are zero.
    /// </summary>
    public static Tensor Lstm(Tensor x, ReadOnlySpan<int> lengths, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh, bool reverse = false) => throw new NotImplementedException();
}
