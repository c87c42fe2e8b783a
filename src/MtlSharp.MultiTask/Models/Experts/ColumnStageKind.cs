namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>The kind of a <see cref="ConvColumns"/> stage.</summary>
internal enum ColumnStageKind
{
    /// <summary>k×k convolution, valid padding, ReLU.</summary>
    Conv,

    /// <summary>Max pooling, valid padding.</summary>
    MaxPool,

    /// <summary>Linear layers (ReLU between, and after the last when asked).</summary>
    Mlp,
}
