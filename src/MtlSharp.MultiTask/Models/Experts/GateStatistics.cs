using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// Running sums of gate weights over the rows an expert network has seen: per gate matrix (one per level of gates),
/// per row (one gate, or one task's use of a gate) and column (expert). <see cref="Mean"/> gives the mean weight of
/// each expert over the rows counted for that gate.
/// </summary>
public sealed class GateStatistics
{
    private readonly double[][][] _sums;
    private readonly long[][] _counts;

    /// <summary>Empty statistics for matrices of the given sizes.</summary>
    public GateStatistics(IReadOnlyList<(int Rows, int Columns)> matrices)
    {
        ArgumentNullException.ThrowIfNull(matrices);
        _sums = matrices.Select(m => Enumerable.Range(0, m.Rows).Select(_ => new double[m.Columns]).ToArray()).ToArray();
        _counts = matrices.Select(m => new long[m.Rows]).ToArray();
    }

    /// <summary>Number of matrices.</summary>
    public int Count => _sums.Length;

    /// <summary>Adds gate weights w [N, E] to row <paramref name="row"/> of matrix <paramref name="matrix"/>, columns from <paramref name="columnOffset"/>.</summary>
    public void Add(int matrix, int row, int columnOffset, Tensor weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Span<int> columns = weights.Shape[1] <= 256 ? stackalloc int[weights.Shape[1]] : new int[weights.Shape[1]];
        for (int j = 0; j < columns.Length; j++)
        {
            columns[j] = columnOffset + j;
        }

        Add(matrix, row, columns, weights);
    }

    /// <summary>
    /// Adds gate weights w [N, E] to row <paramref name="row"/> of matrix <paramref name="matrix"/>: weight column j
    /// goes to matrix column columns[j].
    /// </summary>
    public void Add(int matrix, int row, ReadOnlySpan<int> columns, Tensor weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int n = weights.Shape[0], e = weights.Shape[1];
        if (columns.Length != e)
        {
            throw new ArgumentException($"{e} gate columns need {e} matrix columns, got {columns.Length}.", nameof(columns));
        }

        ReadOnlySpan<float> w = weights.Span;
        double[] sums = _sums[matrix][row];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < e; j++)
            {
                sums[columns[j]] += w[(i * e) + j];
            }
        }

        _counts[matrix][row] += n;
    }

    /// <summary>Rows counted for row <paramref name="row"/> of matrix <paramref name="matrix"/>.</summary>
    public long Rows(int matrix, int row) => _counts[matrix][row];

    /// <summary>Mean gate weights of matrix <paramref name="matrix"/>, [row][column]; zeros in rows never counted.</summary>
    public double[][] Mean(int matrix) =>
        _sums[matrix].Select((r, i) => r.Select(v => _counts[matrix][i] > 0 ? v / _counts[matrix][i] : 0.0).ToArray()).ToArray();
}
