namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// The per-task gradients of the shared parameters of one step: a row-major [T × P] matrix whose row i is
/// ∂L_{task i}/∂θ_shared (TorchJD's Jacobian). Aggregators read it; the loop owns and reuses its storage.
/// </summary>
public sealed class GradientMatrix
{
    private float[] _data;
    private int _sampleWidth;

    /// <summary>Creates a matrix of <paramref name="rows"/> × <paramref name="columns"/> zeros.</summary>
    public GradientMatrix(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        _data = new float[(long)rows * columns];
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Tasks T (one row each).</summary>
    public int Rows { get; private set; }

    /// <summary>Shared parameters P (or, in representation mode, the representation's size B·|z|).</summary>
    public int Columns { get; }

    /// <summary>
    /// Columns per example: in representation mode a row holds the gradient of every example's representation
    /// (rows of this width, one per example); with parameter gradients the whole row is one sample (= <see cref="Columns"/>).
    /// Aggregators that look at per-example structure (GREAT) read it.
    /// </summary>
    public int SampleWidth
    {
        get => _sampleWidth > 0 ? _sampleWidth : Columns;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            if (Columns % value != 0)
            {
                throw new ArgumentException($"A sample width of {value} does not divide the {Columns} columns.", nameof(value));
            }

            _sampleWidth = value;
        }
    }

    /// <summary>Row <paramref name="i"/>.</summary>
    public Span<float> Row(int i)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)i, (uint)Rows, nameof(i));
        return _data.AsSpan(i * Columns, Columns);
    }

    /// <summary>Row <paramref name="i"/>'s storage: the backing array and the row's first index (for the loop's backward passes).</summary>
    internal (float[] Array, int Offset) RowStorage(int i)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)i, (uint)Rows, nameof(i));
        return (_data, i * Columns);
    }

    /// <summary>The T × T Gram matrix G Gᵀ in double precision (what min-norm and bargaining solvers work on).</summary>
    public double[,] Gram()
    {
        var g = new double[Rows, Rows];
        for (int i = 0; i < Rows; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                ReadOnlySpan<float> a = Row(i), b = Row(j);
                double s = 0;
                for (int k = 0; k < a.Length; k++)
                {
                    s += (double)a[k] * b[k];
                }

                g[i, j] = s;
                g[j, i] = s;
            }
        }

        return g;
    }

    /// <summary>Reuses the storage for <paramref name="rows"/> rows (growing it when needed).</summary>
    internal void Resize(int rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        long need = (long)rows * Columns;
        if (_data.Length < need)
        {
            _data = new float[need];
        }

        Rows = rows;
    }
}
