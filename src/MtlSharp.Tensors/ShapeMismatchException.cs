namespace MtlSharp.Tensors;

/// <summary>
/// Thrown when an op receives tensors whose shapes it cannot combine. The message names the op
/// and every shape involved.
/// </summary>
public sealed class ShapeMismatchException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="op"/> with a description of what was expected.</summary>
    public ShapeMismatchException(string op, string expected, params Shape[] shapes)
        : base($"{op}: {expected}; got shapes {string.Join(" and ", shapes.Select(s => s.ToString()))}.")
    {
        Op = op;
    }

    /// <summary>The op that rejected its inputs.</summary>
    public string Op { get; }

    /// <summary>Throws unless <paramref name="condition"/> holds (no allocation when it does).</summary>
    public static void Require(bool condition, string op, string expected, Shape shape)
    {
        if (!condition)
        {
            throw new ShapeMismatchException(op, expected, shape);
        }
    }

    /// <summary>Throws unless <paramref name="condition"/> holds (no allocation when it does).</summary>
    public static void Require(bool condition, string op, string expected, Shape shape1, Shape shape2)
    {
        if (!condition)
        {
            throw new ShapeMismatchException(op, expected, shape1, shape2);
        }
    }

    /// <summary>Throws unless <paramref name="condition"/> holds (no allocation when it does).</summary>
    public static void Require(bool condition, string op, string expected, Shape shape1, Shape shape2, Shape shape3)
    {
        if (!condition)
        {
            throw new ShapeMismatchException(op, expected, shape1, shape2, shape3);
        }
    }

    /// <summary>Throws unless <paramref name="condition"/> holds.</summary>
    public static void Require(bool condition, string op, string expected, params Shape[] shapes)
    {
        if (!condition)
        {
            throw new ShapeMismatchException(op, expected, shapes);
        }
    }
}
