using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>A parameter-free shared stage between routed layers (pooling, flatten, activation…).</summary>
public sealed class FunctionStage : Module<Tensor, Tensor>
{
    private readonly Func<Tensor, Tensor> _f;

    /// <summary>Wraps <paramref name="f"/>; <paramref name="description"/> is shown in summaries.</summary>
    public FunctionStage(string description, Func<Tensor, Tensor> f)
    {
        Description = description;
        _f = f ?? throw new ArgumentNullException(nameof(f));
    }

    /// <summary>What the stage does.</summary>
    public string Description { get; }

    /// <summary>The average pooling this stage computes (from <see cref="AvgPool"/>), or null (for exporters).</summary>
    internal (int Kernel, int Stride, PaddingMode Padding)? AvgPooling { get; private init; }

    /// <summary>The max pooling this stage computes (from <see cref="MaxPool"/>), or null (for exporters).</summary>
    internal (int Kernel, int Stride, PaddingMode Padding)? MaxPooling { get; private init; }

    /// <summary>Whether this stage is <see cref="Flatten"/> (for exporters).</summary>
    internal bool IsFlatten { get; private init; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => _f(input);

    /// <summary>2-D average pooling.</summary>
    public static FunctionStage AvgPool(int kernel, int stride, PaddingMode padding = PaddingMode.Valid) =>
        new($"avgpool{kernel}x{kernel}/{stride}", x => Ops.AvgPool2d(x, kernel, stride, padding)) { AvgPooling = (kernel, stride, padding) };

    /// <summary>
    /// 2-D max pooling. After a convolution with ReLU it equals pooling before the ReLU (max-pooling and the
    /// monotone ReLU commute), so conv + ReLU → max-pool is LeNet's conv → max-pool → ReLU.
    /// </summary>
    public static FunctionStage MaxPool(int kernel, int stride, PaddingMode padding = PaddingMode.Valid) =>
        new($"maxpool{kernel}x{kernel}/{stride}", x => Ops.MaxPool2d(x, kernel, stride, padding)) { MaxPooling = (kernel, stride, padding) };

    /// <summary>Flattens [N, ...] to [N, features] (row-major, channel first: PyTorch's <c>x.view(N, -1)</c>).</summary>
    public static FunctionStage Flatten() => new("flatten", x => Ops.Flatten(x, 1)) { IsFlatten = true };
}
