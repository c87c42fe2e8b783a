using System.Globalization;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// Task attention over a shared trunk (MTAN, Liu, Johns &amp; Davison 2019, "End-to-End Multi-Task Learning with
/// Attention") for flat inputs: one shared MLP h_l = ReLU(W_l h_{l−1} + b_l); each task has a soft-attention module
/// per layer that masks the shared features, â_{t,l} = m_{t,l} ⊙ h_l, with
/// m_{t,l} = σ(A2_{t,l} ReLU(A1_{t,l} z_{t,l} + a1) + a2), z_{t,0} = h_0 and z_{t,l} = [h_l ; ReLU(F_l â_{t,l−1} + c_l)]
/// for l ≥ 1 (F_l shared, the paper's shared "f" that brings the previous attended features to this layer's width).
/// Task t's tower reads â_{t,L−1}.
/// </summary>
/// <remarks>
/// Deviation from the paper, which is convolutional (SegNet/WRN blocks, 1×1 convolutions with batch norm in the
/// attention modules): here a block is one dense layer, so the attention's two inputs u^(j) (a feature inside the
/// block) and p^(j) (the block's output) are the same h_l, the 1×1 convolutions are dense layers and there is no
/// batch norm. Parameters: shared <c>layer{l}_weight</c> [out, in] (Glorot-uniform), <c>layer{l}_bias</c> (zero),
/// <c>f{l}_weight</c>/<c>f{l}_bias</c> (l ≥ 1); task-specific <c>att{t}_{l}_w1</c>, <c>_b1</c>, <c>_w2</c>,
/// <c>_b2</c>, towers as <see cref="TaskHeads"/>. What it learned is reported as the mean mask value of every task at
/// every layer (a T × L matrix: 1 = the task reads the shared feature unchanged, 0 = it ignores it).
/// </remarks>
public sealed class TaskAttentionNetwork : ExpertNetwork
{
    private readonly Module<Tensor, Tensor>? _input;
    private readonly Parameter[] _weights;
    private readonly Parameter[] _biases;
    private readonly Parameter?[] _bridges;
    private readonly Parameter?[] _bridgeBiases;
    private readonly Parameter[][] _attention;   // [task][layer * 4 + {w1, b1, w2, b2}]
    private readonly TaskHeads _towers;
    private readonly int[] _sizes;

    /// <summary>
    /// Creates the network for inputs of width <paramref name="inputWidth"/> (after <paramref name="input"/>, when
    /// given): shared layers of widths <paramref name="sizes"/>, an attention module per task and layer, towers (hidden
    /// <paramref name="towerSizes"/>) for tasks with output widths <paramref name="outputs"/>.
    /// </summary>
    public TaskAttentionNetwork(int inputWidth, IReadOnlyList<int> sizes, IReadOnlyList<int> towerSizes, IReadOnlyList<int> outputs, Rng rng,
        Module<Tensor, Tensor>? input = null)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(towerSizes);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        if (sizes.Count == 0 || sizes.Any(s => s < 1))
        {
            throw new ArgumentException("A task-attention network needs at least one layer, every width positive.", nameof(sizes));
        }

        if (outputs.Count == 0)
        {
            throw new ArgumentException("Expected at least one task.", nameof(outputs));
        }

        if (input is not null)
        {
            _input = RegisterModule("input", input);
        }

        Tasks = outputs.Count;
        _sizes = [.. sizes];
        int layers = sizes.Count;
        _weights = new Parameter[layers];
        _biases = new Parameter[layers];
        _bridges = new Parameter?[layers];
        _bridgeBiases = new Parameter?[layers];
        for (int l = 0; l < layers; l++)
        {
            int fin = l == 0 ? inputWidth : sizes[l - 1], fout = sizes[l];
            _weights[l] = RegisterParameter($"layer{l}_weight", ExpertMix.Glorot(fout, fin, rng));
            _biases[l] = RegisterParameter($"layer{l}_bias", Tensor.Zeros(fout));
            if (l > 0)
            {
                _bridges[l] = RegisterParameter($"f{l}_weight", ExpertMix.Glorot(fout, sizes[l - 1], rng));
                _bridgeBiases[l] = RegisterParameter($"f{l}_bias", Tensor.Zeros(fout));
            }
        }

        _attention = new Parameter[Tasks][];
        for (int t = 0; t < Tasks; t++)
        {
            var kind = ParameterKind.Task(t);
            _attention[t] = new Parameter[layers * 4];
            for (int l = 0; l < layers; l++)
            {
                int w = sizes[l], fin = l == 0 ? w : 2 * w;
                string p = string.Create(CultureInfo.InvariantCulture, $"att{t}_{l}_");
                _attention[t][(l * 4) + 0] = RegisterParameter(p + "w1", ExpertMix.Glorot(w, fin, rng), kind);
                _attention[t][(l * 4) + 1] = RegisterParameter(p + "b1", Tensor.Zeros(w), kind);
                _attention[t][(l * 4) + 2] = RegisterParameter(p + "w2", ExpertMix.Glorot(w, w, rng), kind);
                _attention[t][(l * 4) + 3] = RegisterParameter(p + "b2", Tensor.Zeros(w), kind);
            }
        }

        _towers = RegisterModule("towers", new TaskHeads(sizes[^1], towerSizes, outputs, rng));
        GateKeys = ["attention"];
    }

    /// <inheritdoc/>
    public override int Tasks { get; }

    /// <summary>Number of shared layers.</summary>
    public int Layers => _sizes.Length;

    /// <inheritdoc/>
    public override IReadOnlyList<string> GateKeys { get; }

    /// <summary>The optional input stage (for exporters).</summary>
    internal Module<Tensor, Tensor>? InputStage => _input;

    /// <summary>The towers (for exporters).</summary>
    internal TaskHeads Towers => _towers;

    /// <summary>Shared layer <paramref name="l"/>'s weight [out, in] and bias [out] (for exporters).</summary>
    internal (Parameter Weight, Parameter Bias) Layer(int l) => (_weights[l], _biases[l]);

    /// <summary>The shared bridge F_l of layer <paramref name="l"/> ≥ 1: weight [out, in_{l−1}] and bias (for exporters).</summary>
    internal (Parameter Weight, Parameter Bias) Bridge(int l) => (_bridges[l]!, _bridgeBiases[l]!);

    /// <summary>Task <paramref name="t"/>'s attention module at layer <paramref name="l"/>: (W1, b1, W2, b2) (for exporters and tests).</summary>
    internal (Parameter W1, Parameter B1, Parameter W2, Parameter B2) Attention(int t, int l) =>
        (_attention[t][l * 4], _attention[t][(l * 4) + 1], _attention[t][(l * 4) + 2], _attention[t][(l * 4) + 3]);

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        x = ExpertMix.Flat(_input is null ? x : _input.Forward(x));
        foreach (int t in tasks)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(t);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(t, Tasks);
        }

        // The shared trunk once for every task, then each task's attention path through it.
        var h = new Tensor[_sizes.Length];
        for (int l = 0; l < _sizes.Length; l++)
        {
            h[l] = Ops.Relu(Ops.Linear(l == 0 ? x : h[l - 1], _weights[l].Value, _biases[l].Value));
        }

        var outputs = new Tensor[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            int t = tasks[i];
            Tensor? attended = null;
            var means = gates is null ? null : new float[_sizes.Length];
            for (int l = 0; l < _sizes.Length; l++)
            {
                var z = attended is null
                    ? h[l]
                    : Ops.Concat([h[l], Ops.Relu(Ops.Linear(attended, _bridges[l]!.Value, _bridgeBiases[l]!.Value))], 1);
                var (w1, b1, w2, b2) = Attention(t, l);
                var mask = Ops.Sigmoid(Ops.Linear(Ops.Relu(Ops.Linear(z, w1.Value, b1.Value)), w2.Value, b2.Value));
                attended = Ops.Mul(mask, h[l]);
                if (means is not null)
                {
                    means[l] = MeanOf(mask.Span);
                }
            }

            if (means is not null)
            {
                gates!.Add(0, t, 0, Tensor.FromArray(means, 1, means.Length));
            }

            outputs[i] = _towers.Forward(attended!, t);
        }

        return outputs;
    }

    /// <inheritdoc/>
    public override GateStatistics CreateGateStatistics() => new([(Tasks, _sizes.Length)]);

    /// <inheritdoc/>
    public override IReadOnlyList<NamedMatrix> GateMatrices(GateStatistics statistics, IReadOnlyList<string> taskNames)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(taskNames);
        string[] layers = Enumerable.Range(0, _sizes.Length).Select(l => "layer " + l.ToString(CultureInfo.InvariantCulture)).ToArray();
        return [new NamedMatrix("mean attention mask (task × shared layer; 1 = feature read unchanged)", [.. taskNames], layers, statistics.Mean(0))];
    }

    private static float MeanOf(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values)
        {
            sum += v;
        }

        return values.Length == 0 ? 0f : (float)(sum / values.Length);
    }
}
