namespace MtlSharp.MultiTask.Configuration;

/// <summary>One component kind of a <c>modules</c> layer, repeated <see cref="Count"/> times.</summary>
/// <param name="Kind">What the component computes.</param>
/// <param name="Kernels">Conv: each op's kernel (height, width), in order; empty otherwise.</param>
/// <param name="Kernel">Pooling: the square window; 0 otherwise.</param>
/// <param name="Count">How many such components (each with its own parameters).</param>
public sealed record ComponentSpec(ComponentKind Kind, IReadOnlyList<(int H, int W)> Kernels, int Kernel, int Count = 1);
