namespace MtlSharp.Tensors;

/// <summary>
/// The dimensions of a contiguous row-major tensor. Immutable; compares by value.
/// </summary>
public readonly struct Shape : IEquatable<Shape>
{
    private static readonly int[] s_scalarDims = [];

    private readonly int[]? _dims;

    /// <summary>Creates a shape from its dimensions; every dimension must be non-negative.</summary>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        Size = Validate(dims);
        _dims = dims.Length == 0 ? s_scalarDims : dims.AsSpan().ToArray();
    }

    /// <summary>Creates a shape from its dimensions (copied); every dimension must be non-negative.</summary>
    public Shape(params ReadOnlySpan<int> dims)
    {
        Size = Validate(dims);
        _dims = dims.Length == 0 ? s_scalarDims : dims.ToArray();
    }

    /// <summary>Takes ownership of <paramref name="dims"/> (the caller must not change it afterwards).</summary>
    private Shape(int[] dims, int size)
    {
        _dims = dims;
        Size = size;
    }

    /// <summary>The scalar shape [] (one element).</summary>
    public static Shape Scalar => new(s_scalarDims, 1);

    /// <summary>A rank-1 shape [d0] without the params array.</summary>
    internal static Shape Of(int d0) => Owned([d0]);

    /// <summary>A rank-2 shape [d0, d1] without the params array.</summary>
    internal static Shape Of(int d0, int d1) => Owned([d0, d1]);

    /// <summary>A rank-3 shape [d0, d1, d2] without the params array.</summary>
    internal static Shape Of(int d0, int d1, int d2) => Owned([d0, d1, d2]);

    /// <summary>A shape that takes ownership of <paramref name="dims"/> (validated; the caller must not change it afterwards).</summary>
    internal static Shape Owned(int[] dims) => new(dims, Validate(dims));

    /// <summary>Checks every dimension is non-negative and returns the element count, in one pass.</summary>
    private static int Validate(ReadOnlySpan<int> dims)
    {
        long size = 1;
        bool negative = false, zero = false;
        foreach (int d in dims)
        {
            negative |= d < 0;
            zero |= d == 0;
            size = Math.Min(size * Math.Max(d, 1), 1L + int.MaxValue);
        }

        if (negative || (size > int.MaxValue && !zero))
        {
            Throw(dims.ToArray());
        }

        return zero ? 0 : (int)size;
    }

    private static void Throw(int[] dims)
    {
        foreach (int d in dims)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Shape dimensions must be non-negative, got [{string.Join(", ", dims)}].", nameof(dims));
            }
        }

        throw new ArgumentException($"Shape [{string.Join(", ", dims)}] has more than {int.MaxValue} elements.", nameof(dims));
    }

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dims?.Length ?? 0;

    /// <summary>Total number of elements.</summary>
    public int Size { get; } = 1;

    /// <summary>Dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int this[int axis] => Dims[NormalizeAxis(axis)];

    /// <summary>The dimensions (a read-only view).</summary>
    public ReadOnlySpan<int> Dims => _dims ?? [];

    /// <summary>The last dimension (1 for a scalar).</summary>
    public int Last => Rank == 0 ? 1 : Dims[^1];

    /// <summary>Maps a possibly negative axis to [0, Rank).</summary>
    public int NormalizeAxis(int axis)
    {
        int r = Rank;
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for shape {this}.");
        }

        return a;
    }

    /// <summary>Product of the dimensions in [start, end).</summary>
    public int Product(int start, int end)
    {
        int p = 1;
        ReadOnlySpan<int> d = Dims;
        for (int i = start; i < end; i++)
        {
            p *= d[i];
        }

        return p;
    }

    /// <summary>A copy of the dimensions.</summary>
    public int[] ToArray() => Dims.ToArray();

    /// <summary>A new shape with dimension <paramref name="axis"/> replaced.</summary>
    public Shape With(int axis, int value)
    {
        int[] d = ToArray();
        d[NormalizeAxis(axis)] = value;
        return Owned(d);
    }

    /// <inheritdoc />
    public bool Equals(Shape other) => ReferenceEquals(_dims, other._dims) || Dims.SequenceEqual(other.Dims);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in Dims)
        {
            h.Add(d);
        }

        return h.ToHashCode();
    }

    /// <summary>Formats as <c>[2, 3]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", ToArray()) + "]";

    public static bool operator ==(Shape a, Shape b) => a.Equals(b);

    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    public static implicit operator Shape(int[] dims) => new(dims);
}
