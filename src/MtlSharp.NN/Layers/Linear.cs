using MtlSharp.NN.Init;
using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>
/// Fully connected layer y = x·Wᵀ + b (PyTorch's <c>nn.Linear</c>): x [..., in] → [..., out]. Parameters
/// <c>weight</c> [out, in] and <c>bias</c> [out]; default initialisation as PyTorch (U(±1/√in) for both).
/// </summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer, drawing its initial weights from <paramref name="rng"/>.</summary>
    public Linear(int inFeatures, int outFeatures, Rng rng, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        var w = Tensor.Zeros(outFeatures, inFeatures);
        (weightInit ?? new Initializer.PyTorchDefault()).Apply(w, rng);
        Weight = RegisterParameter("weight", w);
        if (bias)
        {
            var b = Tensor.Zeros(outFeatures);
            if (biasInit is null)
            {
                TensorInit.DefaultBias(b, inFeatures, rng);
            }
            else
            {
                biasInit.Apply(b, rng);
            }

            Bias = RegisterParameter("bias", b);
        }
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight [out, in].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias [out], or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>x [..., in] → [..., out].</summary>
    public override Tensor Forward(Tensor input) => Ops.Linear(input, Weight, Bias?.Value);
}
