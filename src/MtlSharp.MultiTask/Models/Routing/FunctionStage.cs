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

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => _f(input);

    /// <summary>2-D average pooling.</summary>
    public static FunctionStage AvgPool(int kernel, int stride, PaddingMode padding = PaddingMode.Valid) =>
        new($"avgpool{kernel}x{kernel}/{stride}", x => Ops.AvgPool2d(x, kernel, stride, padding)) { AvgPooling = (kernel, stride, padding) };
}
