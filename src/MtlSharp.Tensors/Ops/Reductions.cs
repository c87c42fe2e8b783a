namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>Sum of all elements (shape []).</summary>
    public static Tensor Sum(Tensor a) => throw new NotImplementedException();

    /// <summary>Sum along <paramref name="axis"/>; keeps it as size 1 when <paramref name="keepDim"/>.</summary>
    public static Tensor Sum(Tensor a, int axis, bool keepDim = false) => throw new NotImplementedException();

    /// <summary>Mean of all elements (shape []).</summary>
    public static Tensor Mean(Tensor a) => throw new NotImplementedException();

    /// <summary>Mean along <paramref name="axis"/>.</summary>
    public static Tensor Mean(Tensor a, int axis, bool keepDim = false) => throw new NotImplementedException();

    /// <summary>Maximum of all elements (shape []); the gradient goes to the first maximal element.</summary>
    public static Tensor Max(Tensor a) => throw new NotImplementedException();

    /// <summary>Maximum along <paramref name="axis"/>; the gradient goes to the first maximal element.</summary>
    public static Tensor Max(Tensor a, int axis, bool keepDim = false) => throw new NotImplementedException();

    /// <summary>Index of the first maximum along the last axis, for each row (not differentiable).</summary>
    public static int[] ArgMax(Tensor a) => throw new NotImplementedException();
}
