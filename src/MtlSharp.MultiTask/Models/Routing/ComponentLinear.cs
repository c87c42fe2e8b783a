using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// Many parallel linear maps evaluated as one op (the peer's <c>baddbmm</c>): for each selected component c,
/// y[a] = x[a] · W[c] + b[c]. This is how a routed layer evaluates components of equal shape in one pass, and how
/// evaluation skips unallocated components without copying weights. The computation is the engine's
/// <see cref="Ops.ComponentLinear"/>.
/// </summary>
public static class ComponentLinear
{
    /// <summary>
    /// x [N, in] (shared by all components) or [A, N, in] (one slice per selected component), weight [C, in, out],
    /// bias [C, out] or null, <paramref name="components"/> the A selected component indices (all when empty)
    /// → [A, N, out].
    /// </summary>
    public static Tensor Forward(Tensor x, Tensor weight, Tensor? bias, ReadOnlySpan<int> components = default) =>
        Ops.ComponentLinear(x, weight, bias, components);
}
