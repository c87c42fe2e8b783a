namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Which kernel paths to force (tests only; see <see cref="KernelOverrides"/>). The default value forces nothing:
/// every null switch lets the kernel choose by shape, as in production. A forced path that does not apply to a shape
/// (e.g. the direct convolution at stride 2) falls back to the default choice.
/// </summary>
internal readonly record struct KernelPathOverride
{
    /// <summary>True forces the implicit-GEMM convolution (<see cref="ConvImplicit"/>) where it applies, false im2col, null chooses.</summary>
    public bool? Implicit { get; init; }

    /// <summary>True forces the direct small-channel convolution (<see cref="ConvDirect"/>) where it applies, false forbids it, null chooses.</summary>
    public bool? Direct { get; init; }

    /// <summary>
    /// True forces the small-image convolution with channels in the vector lanes (<see cref="ConvSmall"/>) where it
    /// applies, false forbids it, null chooses.
    /// </summary>
    public bool? Small { get; init; }

    /// <summary>
    /// On the implicit path at stride 1: true forces the banded forward pass and input gradient
    /// (<see cref="ConvImplicitBanded"/>), false the wide views of <see cref="ConvImplicit.Layout"/>, null chooses.
    /// </summary>
    public bool? Banded { get; init; }

    /// <summary>On the banded path: true forces dW by column copies, false by the wide views, null chooses.</summary>
    public bool? ColumnsDw { get; init; }

    /// <summary>
    /// True forces the 512-bit packed GEMM kernels (<see cref="GemmMicroKernel512"/>, emulated where the host does not
    /// accelerate them), false the 256-bit ones, null takes <see cref="GemmWidth.Wide"/>. Read by
    /// <see cref="Gemm.Multiply"/> and <see cref="ConvSmall"/> (the other convolutions call the blocked loops with the
    /// host's width).
    /// </summary>
    public bool? Wide { get; init; }

    /// <summary>
    /// True forces <see cref="ConvSmall"/>'s 256-bit kernels into two half passes (the form for hosts without AVX-512,
    /// <see cref="ConvSmallKernels.FewRegisters"/>), false the one-pass form, null chooses by the host.
    /// </summary>
    public bool? Halves { get; init; }

    /// <summary>
    /// When positive, the images per chunk of <see cref="ConvSmall"/>'s half-pass weight gradient (which otherwise
    /// chunks only when one channel block's dy and x exceed half of L2), so small test shapes run the chunked form; 0
    /// keeps the default.
    /// </summary>
    public int WeightChunkImages { get; init; }

    /// <summary>When positive, replaces <see cref="ConvGemm.ColumnBudget"/> (forces im2col in narrower row bands); 0 keeps it.</summary>
    public int ColumnBudget { get; init; }
}
