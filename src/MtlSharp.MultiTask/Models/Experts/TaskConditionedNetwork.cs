using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// A task-conditioned network (the survey's conditional family; FiLM, Perez et al. 2018, conditioned on the task): one
/// shared MLP whose every hidden layer is modulated per task, h = ReLU((1 + γ_t) ⊙ (x W + b) + β_t), with
/// [γ_t, β_t] = G e_t + c produced by a shared generator G from a learned task embedding e_t; then a tower per task.
/// </summary>
/// <remarks>
/// The generator starts at zero (γ = β = 0), so training starts from a shared-bottom network and learns how each
/// task bends it; the embeddings start N(0, 1/k). Shared: the layers and the generators; task-specific: the embeddings
/// <c>embedding{t}</c> [1, k] and the towers. What it learned is reported as the cosine similarity of the task
/// embeddings (a T × T matrix), and the embeddings' modulations as scalars in TensorBoard.
/// </remarks>
public sealed class TaskConditionedNetwork : ExpertNetwork
{
    private readonly Module<Tensor, Tensor>? _input;
    private readonly Parameter[] _weights;
    private readonly Parameter[] _biases;
    private readonly Parameter[] _generators;
    private readonly Parameter[] _generatorBiases;
    private readonly Parameter[] _embeddings;
    private readonly TaskHeads _towers;
    private readonly int[] _sizes;

    /// <summary>
    /// Creates the network for inputs of width <paramref name="inputWidth"/> (after <paramref name="input"/>, when
    /// given): shared layers of widths <paramref name="sizes"/>, task embeddings of <paramref name="embeddingSize"/>
    /// values, towers (hidden <paramref name="towerSizes"/>) for tasks with output widths <paramref name="outputs"/>.
    /// </summary>
    public TaskConditionedNetwork(int inputWidth, IReadOnlyList<int> sizes, int embeddingSize, IReadOnlyList<int> towerSizes, IReadOnlyList<int> outputs, Rng rng,
        Module<Tensor, Tensor>? input = null)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(towerSizes);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingSize, 1);
        if (sizes.Count == 0 || sizes.Any(s => s < 1))
        {
            throw new ArgumentException("A task-conditioned network needs at least one layer, every width positive.", nameof(sizes));
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
        EmbeddingSize = embeddingSize;
        _sizes = [.. sizes];
        _weights = new Parameter[sizes.Count];
        _biases = new Parameter[sizes.Count];
        _generators = new Parameter[sizes.Count];
        _generatorBiases = new Parameter[sizes.Count];
        for (int l = 0; l < sizes.Count; l++)
        {
            int fin = l == 0 ? inputWidth : sizes[l - 1], fout = sizes[l];
            _weights[l] = RegisterParameter($"layer{l}_weight", ExpertMix.Glorot(fout, fin, rng));
            _biases[l] = RegisterParameter($"layer{l}_bias", Tensor.Zeros(fout));
            _generators[l] = RegisterParameter($"film{l}_weight", Tensor.Zeros(2 * fout, embeddingSize));
            _generatorBiases[l] = RegisterParameter($"film{l}_bias", Tensor.Zeros(2 * fout));
        }

        _embeddings = new Parameter[Tasks];
        float scale = 1f / MathF.Sqrt(embeddingSize);
        for (int t = 0; t < Tasks; t++)
        {
            var e = new float[embeddingSize];
            for (int k = 0; k < e.Length; k++)
            {
                e[k] = (float)rng.NextGaussian() * scale;
            }

            _embeddings[t] = RegisterParameter($"embedding{t}", Tensor.FromArray(e, 1, embeddingSize), ParameterKind.Task(t));
        }

        _towers = RegisterModule("towers", new TaskHeads(sizes[^1], towerSizes, outputs, rng));
        GateKeys = ["embeddings"];
    }

    /// <inheritdoc/>
    public override int Tasks { get; }

    /// <summary>Length k of the task embeddings.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Number of modulated layers.</summary>
    public int Layers => _sizes.Length;

    /// <inheritdoc/>
    public override IReadOnlyList<string> GateKeys { get; }

    /// <summary>The optional input stage (for exporters).</summary>
    internal Module<Tensor, Tensor>? InputStage => _input;

    /// <summary>The towers (for exporters).</summary>
    internal TaskHeads Towers => _towers;

    /// <summary>Layer <paramref name="l"/>'s weight [out, in] and bias [out] (for exporters).</summary>
    internal (Parameter Weight, Parameter Bias) Layer(int l) => (_weights[l], _biases[l]);

    /// <summary>Task <paramref name="task"/>'s modulation of layer <paramref name="l"/>: (1 + γ, β), each [out].</summary>
    public (float[] Scale, float[] Shift) Modulation(int task, int l)
    {
        using var scope = MtlSharp.Tensors.Autodiff.Autograd.NoGrad();
        var (scale, shift) = Film(task, l);
        return (scale.Span.ToArray(), shift.Span.ToArray());
    }

    /// <summary>The cosine similarity of the task embeddings [T][T].</summary>
    public double[][] EmbeddingSimilarity()
    {
        var e = _embeddings.Select(p => p.Data.ToArray()).ToArray();
        double Dot(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();
        return e.Select(a => e.Select(b => Dot(a, b) / Math.Sqrt(Math.Max(1e-30, Dot(a, a) * Dot(b, b)))).ToArray()).ToArray();
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        x = ExpertMix.Flat(_input is null ? x : _input.Forward(x));
        var outputs = new Tensor[tasks.Length];
        double[][]? similarity = gates is null ? null : EmbeddingSimilarity();
        for (int i = 0; i < tasks.Length; i++)
        {
            int t = tasks[i];
            ArgumentOutOfRangeException.ThrowIfNegative(t);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(t, Tasks);
            var h = x;
            for (int l = 0; l < _sizes.Length; l++)
            {
                var (scale, shift) = Film(t, l);
                h = Ops.Relu(Ops.Add(Ops.Mul(Ops.Linear(h, _weights[l].Value, _biases[l].Value), scale), shift));
            }

            if (similarity is not null)
            {
                gates!.Add(0, t, 0, Tensor.FromArray(similarity[t].Select(v => (float)v).ToArray(), 1, Tasks));
            }

            outputs[i] = _towers.Forward(h, t);
        }

        return outputs;
    }

    /// <summary>(1 + γ, β) of task <paramref name="t"/> at layer <paramref name="l"/>, each [1, out].</summary>
    private (Tensor Scale, Tensor Shift) Film(int t, int l)
    {
        int w = _sizes[l];
        var gb = Ops.Linear(_embeddings[t].Value, _generators[l].Value, _generatorBiases[l].Value);   // [1, 2·out]
        return (Ops.AddScalar(Ops.Slice(gb, 1, 0, w), 1f), Ops.Slice(gb, 1, w, w));
    }

    /// <inheritdoc/>
    public override GateStatistics CreateGateStatistics() => new([(Tasks, Tasks)]);

    /// <inheritdoc/>
    public override IReadOnlyList<NamedMatrix> GateMatrices(GateStatistics statistics, IReadOnlyList<string> taskNames)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(taskNames);
        return [new NamedMatrix("task-embedding cosine similarity (task × task)", [.. taskNames], [.. taskNames], statistics.Mean(0))];
    }
}
