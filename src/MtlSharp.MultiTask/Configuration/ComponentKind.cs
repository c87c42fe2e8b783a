namespace MtlSharp.MultiTask.Configuration;

/// <summary>The kind of one component of a <c>modules</c> layer.</summary>
public enum ComponentKind
{
    /// <summary>Convolutions in a row, each followed by GroupNorm and ReLU (<c>conv</c>).</summary>
    Conv,

    /// <summary>'Same'-padded max pooling (<c>maxpool</c>).</summary>
    MaxPool,

    /// <summary>'Same'-padded average pooling over the real cells of each window (<c>avgpool</c>).</summary>
    AvgPool,

    /// <summary>The input itself; in a strided layer a strided 1×1 convolution without norm or activation (<c>identity</c>).</summary>
    Identity,
}
