namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>e^a.</summary>
    public static Tensor Exp(Tensor a) => throw new NotImplementedException();

    /// <summary>ln a.</summary>
    public static Tensor Log(Tensor a) => throw new NotImplementedException();

    /// <summary>√a.</summary>
    public static Tensor Sqrt(Tensor a) => throw new NotImplementedException();

    /// <summary>a².</summary>
    public static Tensor Square(Tensor a) => throw new NotImplementedException();

    /// <summary>|a| (subgradient 0 at 0).</summary>
    public static Tensor Abs(Tensor a) => throw new NotImplementedException();
}
