using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// C parallel MLPs of identical shape <c>dims[0] → dims[1] → … → dims[^1]</c> with ReLU on hidden units (and on
/// the output when <c>outputRelu</c>), all evaluated with one <see cref="ComponentLinear"/> per depth. Weights are
/// [C, in, out] with each component Glorot-uniform initialised on its own fans (Keras' default, as the authors' code
/// and the peer); biases zero. Output layout: component-major [C, N, out].
/// </summary>
public sealed class MlpComponents : Module, IComponentStack
{
    private readonly Parameter[] _weights;
    private readonly Parameter[] _biases;
    private readonly bool _outputRelu;
    private readonly int[] _dims;

    /// <summary>Creates <paramref name="count"/> MLPs with layer widths <paramref name="dims"/>.</summary>
    public MlpComponents(int count, int[] dims, bool outputRelu, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(dims);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (dims.Length < 2)
        {
            throw new ArgumentException("An MLP needs at least an input and an output width.", nameof(dims));
        }

        Count = count;
        _dims = (int[])dims.Clone();
        _outputRelu = outputRelu;
        _weights = new Parameter[dims.Length - 1];
        _biases = new Parameter[dims.Length - 1];
        for (int l = 0; l < dims.Length - 1; l++)
        {
            int fin = dims[l], fout = dims[l + 1];
            float bound = MathF.Sqrt(6f / (fin + fout));
            _weights[l] = RegisterParameter($"weight{l}", Tensor.Uniform(new Shape(count, fin, fout), -bound, bound, rng));
            _biases[l] = RegisterParameter($"bias{l}", Tensor.Zeros(count, fout));
        }
    }

    /// <inheritdoc />
    public int Count { get; }

    /// <summary>Layer widths, input first (for exporters).</summary>
    internal IReadOnlyList<int> Dims => _dims;

    /// <summary>Whether the last layer has a ReLU too (for exporters).</summary>
    internal bool OutputRelu => _outputRelu;

    /// <summary>Weights [C, in, out] per depth (for exporters).</summary>
    internal IReadOnlyList<Parameter> Weights => _weights;

    /// <summary>Biases [C, out] per depth (for exporters).</summary>
    internal IReadOnlyList<Parameter> Biases => _biases;

    /// <inheritdoc />
    public StackedOutput Forward(Tensor x, ReadOnlySpan<int> components)
    {
        ArgumentNullException.ThrowIfNull(x);
        ShapeMismatchException.Require(x.Rank == 2 && x.Shape[1] == _dims[0], "MlpComponents", $"input [N, {_dims[0]}]", x.Shape);
        Tensor h = x;
        for (int l = 0; l < _weights.Length; l++)
        {
            h = ComponentLinear.Forward(h, _weights[l].Value, _biases[l].Value, components);
            if (l < _weights.Length - 1 || _outputRelu)
            {
                h = Ops.Relu(h);
            }
        }

        int a = h.Shape[0], n = h.Shape[1], o = h.Shape[2];
        return new StackedOutput(Ops.Reshape(h, 1, a, n * o), new Shape(n, o));
    }

    /// <inheritdoc />
    public Shape OutputShape(Shape input) => new(input[0], _dims[^1]);
}
