namespace MtlSharp.Tensors.Autodiff;

/// <summary>
/// Where <see cref="Autograd.GradInto"/> writes the gradient of <see cref="Tensor"/>: its <c>Tensor.Length</c> floats
/// of <see cref="Array"/> from <see cref="Offset"/>, overwritten, or added to with <see cref="Accumulate"/> (leaves
/// only).
/// </summary>
/// <param name="Tensor">The tensor to differentiate with respect to.</param>
/// <param name="Array">The destination array.</param>
/// <param name="Offset">Where the tensor's gradient starts in <paramref name="Array"/>.</param>
/// <param name="Accumulate">Add to the destination instead of overwriting it.</param>
public readonly record struct GradTarget(Tensor Tensor, float[] Array, int Offset, bool Accumulate = false);
