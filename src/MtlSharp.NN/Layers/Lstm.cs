using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>
/// One LSTM layer in one direction (Hochreiter &amp; Schmidhuber 1997; PyTorch's equations and gate order) over a
/// padded batch with per-sequence lengths. Parameters named as a one-layer <c>nn.LSTM</c>: <c>weight_ih_l0</c>
/// [4H, I], <c>weight_hh_l0</c> [4H, H], <c>bias_ih_l0</c>, <c>bias_hh_l0</c> [4H]; all initialised U(±1/√H) as
/// PyTorch. With <c>reverse</c>, each sequence is read from its last real token back (outputs stay aligned).
/// </summary>
public sealed class Lstm : Module
{
    /// <summary>Creates the layer.</summary>
    public Lstm(int inputSize, int hiddenSize, Rng rng, bool bias = true, bool reverse = false)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Reverse = reverse;
        Weights = LstmWeights.Create(this, inputSize, hiddenSize, "_l0", bias, rng);
    }

    /// <summary>Input size I.</summary>
    public int InputSize { get; }

    /// <summary>Hidden size H.</summary>
    public int HiddenSize { get; }

    /// <summary>Whether sequences are read backwards.</summary>
    public bool Reverse { get; }

    /// <summary>The parameters, with gate-block accessors.</summary>
    public LstmWeights Weights { get; }

    /// <summary>The input-gate weight blocks (rows [0, H) of weight_ih and weight_hh) as differentiable slices.</summary>
    public (Tensor Ih, Tensor Hh) InputGateRows() => (Weights.InputGateRowsIh(), Weights.InputGateRowsHh());

    /// <summary>x [B, T, I] with <paramref name="lengths"/> (B values in [0, T]) → [B, T, H], zero past each length.</summary>
    public Tensor Forward(Tensor x, ReadOnlySpan<int> lengths) => Weights.Run(x, lengths, Reverse);
}
