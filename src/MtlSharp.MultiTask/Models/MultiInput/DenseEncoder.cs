using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.MultiInput;

/// <summary>
/// The encoder of table rows (the encoded features of a CSV source, <see cref="TensorInput"/> [rows, features]):
/// linear → tanh to the core's width. Inputs with more axes are flattened per row.
/// </summary>
public sealed class DenseEncoder : Module, IInputEncoder
{
    private readonly Linear _linear;

    /// <summary>Creates the encoder for rows of <paramref name="features"/> values.</summary>
    public DenseEncoder(int features, int width, Rng rng)
    {
        _linear = RegisterModule("linear", new Linear(features, width, rng));
        OutputWidth = width;
    }

    /// <inheritdoc/>
    public Module Module => this;

    /// <summary>The linear layer (read by the ONNX export).</summary>
    internal Linear Linear => _linear;

    /// <inheritdoc/>
    public string Name => "dense";

    /// <inheritdoc/>
    public int OutputWidth { get; }

    /// <inheritdoc/>
    public int Rows(BatchInput input) => Rows(input, this);

    /// <inheritdoc/>
    public Tensor Encode(BatchInput input, in ForwardContext context)
    {
        var x = Tensors(input, this);
        return Ops.Tanh(_linear.Forward(x.Rank == 2 ? x : Ops.Flatten(x, 1)));
    }

    internal static int Rows(BatchInput input, IInputEncoder encoder) => Tensors(input, encoder).Shape[0];

    internal static Tensor Tensors(BatchInput input, IInputEncoder encoder) =>
        (input as TensorInput)?.Value ?? throw new ArgumentException($"The {encoder.Name} encoder reads dense inputs (TensorInput), not {input?.GetType().Name ?? "null"}.");
}
