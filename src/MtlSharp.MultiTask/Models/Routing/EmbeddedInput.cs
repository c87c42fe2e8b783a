using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// The input stage of tabular data with embedded categorical columns: a row is [dense values…, code₁, …, code_k]
/// (codes stored as floats, 0 = missing or unseen in training); the output is the dense values followed by one
/// learned <see cref="EmbeddingSize"/>-wide vector per code (tables N(0, 1)-initialised, as PyTorch's
/// <c>nn.Embedding</c>). Shared by every task.
/// </summary>
public sealed class EmbeddedInput : Module<Tensor, Tensor>
{
    private readonly int _dense;
    private readonly Parameter[] _tables;

    /// <summary>Creates the stage: <paramref name="dense"/> dense values, then one code per entry of <paramref name="levels"/> (its table's rows).</summary>
    public EmbeddedInput(int dense, IReadOnlyList<int> levels, int embeddingSize, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegative(dense);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingSize, 1);
        _dense = dense;
        EmbeddingSize = embeddingSize;
        _tables = new Parameter[levels.Count];
        for (int i = 0; i < levels.Count; i++)
        {
            _tables[i] = RegisterParameter($"table{i}", Tensor.Normal(new Shape(levels[i], embeddingSize), 0f, 1f, rng));
        }
    }

    /// <summary>Dense values at the start of a row (for exporters).</summary>
    internal int Dense => _dense;

    /// <summary>The embedding tables [levels, size], one per code column (for exporters).</summary>
    internal IReadOnlyList<Parameter> Tables => _tables;

    /// <summary>Width of each embedding.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Output width: dense values plus the embeddings.</summary>
    public int OutputWidth => _dense + (_tables.Length * EmbeddingSize);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int rows = input.Shape[0], width = input.Shape[1];
        if (width != _dense + _tables.Length)
        {
            throw new ArgumentException($"EmbeddedInput: rows of {width} values, expected {_dense} dense values and {_tables.Length} codes.");
        }

        var parts = new Tensor[_tables.Length + (_dense > 0 ? 1 : 0)];
        int k = 0;
        if (_dense > 0)
        {
            parts[k++] = Ops.Slice(input, 1, 0, _dense);
        }

        ReadOnlySpan<float> x = input.Span;
        var ids = new int[rows];
        for (int c = 0; c < _tables.Length; c++)
        {
            int levels = _tables[c].Value.Shape[0];
            for (int r = 0; r < rows; r++)
            {
                int code = (int)x[r * width + _dense + c];
                ids[r] = code >= 0 && code < levels ? code : 0;
            }

            parts[k++] = Ops.Embedding(_tables[c].Value, ids, rows);
        }

        return parts.Length == 1 ? parts[0] : Ops.Concat(parts, 1);
    }
}
