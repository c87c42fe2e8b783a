namespace MtlSharp.Tensors.Kernels;

/// <summary>Which GEMM kernel runs (tests and benchmarks force one; <see cref="Auto"/> picks by shape).</summary>
internal enum GemmPath
{
    /// <summary>Chosen by size (the public behaviour).</summary>
    Auto,

    /// <summary>The unpacked small-product kernels (<see cref="GemmSmall"/>).</summary>
    Small,

    /// <summary>The packed, blocked kernels (<see cref="GemmBlocked"/>), parallel when large.</summary>
    Blocked,
}
