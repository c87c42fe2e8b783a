namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// The per-task gradients of the shared parameters of one step: a row-major [T × P] matrix whose row i is
/// ∂L_{task i}/∂θ_shared (TorchJD's Jacobian). Aggregators read it; the loop owns and reuses its storage.
/// </summary>
public sealed class GradientMatrix
{
    private float[] _data;

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

    /// <summary>Shared parameters P.</summary>
    public int Columns { get; }

    /// <summary>Row <paramref name="i"/>.</summary>
    public Span<float> Row(int i)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)i, (uint)Rows, nameof(i));
        return _data.AsSpan(i * Columns, Columns);
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
