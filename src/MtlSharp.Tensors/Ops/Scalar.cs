namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>a + s.</summary>
    public static Tensor AddScalar(Tensor a, float s) => throw new NotImplementedException();

    /// <summary>a · s.</summary>
    public static Tensor Scale(Tensor a, float s) => throw new NotImplementedException();

    /// <summary>−a.</summary>
    public static Tensor Neg(Tensor a) => throw new NotImplementedException();

    /// <summary>a^p elementwise (a &gt; 0 where p is not an integer).</summary>
    public static Tensor Pow(Tensor a, float p) => throw new NotImplementedException();
}
