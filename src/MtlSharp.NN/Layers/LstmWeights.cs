using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>
/// The parameters of one direction of one LSTM layer: <see cref="WeightIh"/> [4H, I], <see cref="WeightHh"/>
/// [4H, H], <see cref="BiasIh"/>/<see cref="BiasHh"/> [4H] (or null), gate blocks in PyTorch's order i, f, g, o.
/// Gate accessors return differentiable row slices (<see cref="Ops.Slice"/>), e.g. for the sluice networks'
/// orthogonality penalty on the input-gate weights.
/// </summary>
public sealed class LstmWeights
{
    internal LstmWeights(Parameter wIh, Parameter wHh, Parameter? bIh, Parameter? bHh, int hiddenSize)
    {
        WeightIh = wIh;
        WeightHh = wHh;
        BiasIh = bIh;
        BiasHh = bHh;
        HiddenSize = hiddenSize;
    }

    /// <summary>Input-to-hidden weights [4H, I].</summary>
    public Parameter WeightIh { get; }

    /// <summary>Hidden-to-hidden weights [4H, H].</summary>
    public Parameter WeightHh { get; }

    /// <summary>Input-to-hidden bias [4H], or null.</summary>
    public Parameter? BiasIh { get; }

    /// <summary>Hidden-to-hidden bias [4H], or null.</summary>
    public Parameter? BiasHh { get; }

    /// <summary>Hidden size H.</summary>
    public int HiddenSize { get; }

    /// <summary>The rows of <see cref="WeightIh"/> for <paramref name="gate"/>: [H, I], differentiable.</summary>
    public Tensor GateRowsIh(LstmGate gate) => Ops.Slice(WeightIh, 0, (int)gate * HiddenSize, HiddenSize);

    /// <summary>The rows of <see cref="WeightHh"/> for <paramref name="gate"/>: [H, H], differentiable.</summary>
    public Tensor GateRowsHh(LstmGate gate) => Ops.Slice(WeightHh, 0, (int)gate * HiddenSize, HiddenSize);

    /// <summary>The input-gate block of <see cref="WeightIh"/>: rows [0, H), shape [H, I].</summary>
    public Tensor InputGateRowsIh() => GateRowsIh(LstmGate.Input);

    /// <summary>The input-gate block of <see cref="WeightHh"/>: rows [0, H), shape [H, H].</summary>
    public Tensor InputGateRowsHh() => GateRowsHh(LstmGate.Input);

    /// <summary>Runs this direction over x [B, T, I] with per-sequence lengths: [B, T, H] (see <see cref="Ops.Lstm"/>).</summary>
    public Tensor Run(Tensor x, ReadOnlySpan<int> lengths, bool reverse) =>
        Ops.Lstm(x, lengths, WeightIh, WeightHh, BiasIh?.Value, BiasHh?.Value, reverse);

    /// <summary>
    /// Creates and registers one direction's parameters on <paramref name="owner"/> in PyTorch's order and naming
    /// (<c>weight_ih{suffix}</c>, <c>weight_hh{suffix}</c>, <c>bias_ih{suffix}</c>, <c>bias_hh{suffix}</c>), each
    /// initialised U(±1/√H) as PyTorch.
    /// </summary>
    internal static LstmWeights Create(Module owner, int inputSize, int hiddenSize, string suffix, bool bias, Rng rng)
    {
        float k = 1f / MathF.Sqrt(hiddenSize);
        Parameter Make(string name, params int[] dims)
        {
            var t = Tensor.Zeros(dims);
            rng.FillUniform(t.Span, -k, k);
            return owner.RegisterParameterInternal(name + suffix, t);
        }

        var wIh = Make("weight_ih", 4 * hiddenSize, inputSize);
        var wHh = Make("weight_hh", 4 * hiddenSize, hiddenSize);
        Parameter? bIh = bias ? Make("bias_ih", 4 * hiddenSize) : null;
        Parameter? bHh = bias ? Make("bias_hh", 4 * hiddenSize) : null;
        return new LstmWeights(wIh, wHh, bIh, bHh, hiddenSize);
    }
}
