using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>The building blocks the expert networks share: batched experts and the gate-weighted sum.</summary>
internal static class ExpertMix
{
    /// <summary>All experts of <paramref name="experts"/> on x [N, in] as [E, N, out] (one batched op per depth).</summary>
    public static Tensor Experts(MlpComponents experts, Tensor x)
    {
        var stacked = experts.Forward(x, default).Stacked;   // [1, E, N·out]
        return Ops.Reshape(stacked, experts.Count, x.Shape[0], experts.OutputShape(x.Shape)[1]);
    }

    /// <summary>Σ_e w[n, e] · h[e, n, :] for expert outputs h [E, N, out] and gate weights w [N, E] → [N, out].</summary>
    public static Tensor Mix(Tensor experts, Tensor weights)
    {
        int e = experts.Shape[0], n = experts.Shape[1];
        var w = Ops.Reshape(Ops.Transpose(weights, 0, 1), e, n, 1);
        return Ops.Sum(Ops.Mul(experts, w), 0);
    }

    /// <summary>A Glorot-uniform weight [out, in]: U(±√(6/(in + out))) drawn from <paramref name="rng"/>.</summary>
    public static Tensor Glorot(int fout, int fin, Rng rng)
    {
        float bound = MathF.Sqrt(6f / (fin + fout));
        return Tensor.Uniform(new Shape(fout, fin), -bound, bound, rng);
    }

    /// <summary>x with every axis after the first flattened (image inputs become flat feature rows).</summary>
    public static Tensor Flat(Tensor x) => x.Rank == 2 ? x : Ops.Flatten(x, 1);
}
