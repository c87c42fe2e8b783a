using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>
/// A stack of bidirectional LSTM layers over a padded batch with per-sequence lengths, equal to PyTorch's
/// <c>nn.LSTM(I, H, num_layers, bidirectional=True, batch_first=True)</c> over <c>pack_padded_sequence</c>: each
/// layer's output [B, T, 2H] (forward half, then reverse half) feeds the next. The two directions have their own
/// weights. Parameter names and order match PyTorch's state dict: <c>weight_ih_l{k}</c>, <c>weight_hh_l{k}</c>,
/// <c>bias_ih_l{k}</c>, <c>bias_hh_l{k}</c>, then the same with <c>_reverse</c>, for k = 0…layers−1; all
/// initialised U(±1/√H).
/// </summary>
public sealed class BiLstm : Module
{
    private readonly LstmWeights[] _forward;
    private readonly LstmWeights[] _backward;

    /// <summary>Creates <paramref name="layers"/> bidirectional layers.</summary>
    public BiLstm(int inputSize, int hiddenSize, Rng rng, int layers = 1, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Layers = layers;
        _forward = new LstmWeights[layers];
        _backward = new LstmWeights[layers];
        for (int k = 0; k < layers; k++)
        {
            int inSize = k == 0 ? inputSize : 2 * hiddenSize;
            _forward[k] = LstmWeights.Create(this, inSize, hiddenSize, $"_l{k}", bias, rng);
            _backward[k] = LstmWeights.Create(this, inSize, hiddenSize, $"_l{k}_reverse", bias, rng);
        }
    }

    /// <summary>Input size I.</summary>
    public int InputSize { get; }

    /// <summary>Hidden size H per direction.</summary>
    public int HiddenSize { get; }

    /// <summary>Number of stacked bidirectional layers.</summary>
    public int Layers { get; }

    /// <summary>The weights of one direction of layer <paramref name="layer"/>.</summary>
    public LstmWeights Direction(int layer, bool reverse) => reverse ? _backward[layer] : _forward[layer];

    /// <summary>
    /// x [B, T, I] with <paramref name="lengths"/> (B values in [0, T]) → [B, T, 2H] (the last layer's output;
    /// columns [0, H) forward, [H, 2H) reverse), zero past each length.
    /// </summary>
    public Tensor Forward(Tensor x, ReadOnlySpan<int> lengths)
    {
        Tensor h = x;
        for (int k = 0; k < Layers; k++)
        {
            h = ForwardLayer(k, h, lengths);
        }

        return h;
    }

    /// <summary>Runs only layer <paramref name="layer"/> (for models that act between layers, e.g. sluice networks).</summary>
    public Tensor ForwardLayer(int layer, Tensor x, ReadOnlySpan<int> lengths)
    {
        var f = _forward[layer];
        var b = _backward[layer];
        return Ops.BiLstm(
            x, lengths,
            f.WeightIh, f.WeightHh, f.BiasIh?.Value, f.BiasHh?.Value,
            b.WeightIh, b.WeightHh, b.BiasIh?.Value, b.BiasHh?.Value);
    }

    /// <summary>
    /// Runs only layer <paramref name="layer"/> over embedded ids: <c>ForwardLayer(layer, Ops.Embedding(table, ids,
    /// batch, time), lengths)</c> in one op (<see cref="Ops.BiLstmLookup"/>), which projects each distinct table row
    /// once instead of once per position. <paramref name="table"/> [V, I], <paramref name="ids"/> [B·T].
    /// </summary>
    public Tensor ForwardLayerLookup(int layer, Tensor table, ReadOnlySpan<int> ids, int batch, int time, ReadOnlySpan<int> lengths)
    {
        var f = _forward[layer];
        var b = _backward[layer];
        return Ops.BiLstmLookup(
            table, ids, batch, time, lengths,
            f.WeightIh, f.WeightHh, f.BiasIh?.Value, f.BiasHh?.Value,
            b.WeightIh, b.WeightHh, b.BiasIh?.Value, b.BiasHh?.Value);
    }
}
