using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// A gate over <c>experts</c> experts computed from its input: softmax(x·Wᵀ + b) along the expert axis, x [N, in]
/// → [N, experts]. W [experts, in] is Glorot-uniform and b zero, so the gate starts close to uniform.
/// </summary>
internal sealed class SoftmaxGate : Module, IExpertGate
{
    private readonly Parameter _weight;
    private readonly Parameter _bias;

    public SoftmaxGate(int inFeatures, int experts, ParameterKind kind, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(experts, 1);
        float bound = MathF.Sqrt(6f / (inFeatures + experts));
        _weight = RegisterParameter("weight", Tensor.Uniform(new Shape(experts, inFeatures), -bound, bound, rng), kind);
        _bias = RegisterParameter("bias", Tensor.Zeros(experts), kind);
        Experts = experts;
    }

    /// <summary>Number of experts the gate weighs.</summary>
    public int Experts { get; }

    /// <summary>The weight [experts, in].</summary>
    public Parameter Weight => _weight;

    /// <summary>The bias [experts].</summary>
    public Parameter Bias => _bias;

    /// <summary>Gate weights [N, experts] for x [N, in]; every row sums to one.</summary>
    public Tensor Forward(Tensor x) => Ops.Softmax(Ops.Linear(x, _weight.Value, _bias.Value), 1);

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training) => Forward(x);
}
