using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors.Tests;

/// <summary>
/// The convolution paths a test can force by name, as <see cref="KernelPathOverride"/> values (each falls back to
/// the default choice where it does not apply): "im2col"; the implicit GEMM on its wide views ("implicit-wide") or
/// banded (stride 1: forward and dx on one shifted copy of a band of rows at a time; dW on one column copy of the
/// image at a time, "implicit-banded", or on the wide views, "implicit-banded-views"); the direct small-channel path
/// ("direct"); the small-image path with channels in the vector lanes ("small", <see cref="ConvSmall"/>).
/// </summary>
internal static class ConvPaths
{
    /// <summary>The override that forces <paramref name="path"/>.</summary>
    public static KernelPathOverride Override(string path) => path switch
    {
        "im2col" => new KernelPathOverride { Implicit = false, Direct = false },
        "implicit-wide" => new KernelPathOverride { Implicit = true, Direct = false, Banded = false },
        "implicit-banded" => new KernelPathOverride { Implicit = true, Direct = false, Banded = true },
        "implicit-banded-views" => new KernelPathOverride { Implicit = true, Direct = false, Banded = true, ColumnsDw = false },
        "direct" => new KernelPathOverride { Direct = true },
        "small" => new KernelPathOverride { Small = true },
        _ => throw new ArgumentException($"Unknown convolution path '{path}'.", nameof(path)),
    };

    /// <summary>Forces <paramref name="path"/> on this thread until the scope is disposed.</summary>
    public static KernelOverrides.Scope Force(string path) => KernelOverrides.Force(Override(path));
}
