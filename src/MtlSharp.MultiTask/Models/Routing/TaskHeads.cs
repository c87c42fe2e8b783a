using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// One head per task: by default a single linear layer (<c>Dense(num_classes)</c> with bias, no activation, in the
/// Gumbel-Matrix authors' code); with hidden sizes, an MLP per task whose hidden layers are linear + ReLU (as
/// Sener &amp; Koltun's MultiMNIST heads, fc 50 → ReLU → fc 10). Every weight [out, in] is Glorot-uniform and every bias
/// zero, each registered with <see cref="ParameterKind.Task(int)"/>.
/// </summary>
/// <remarks>
/// Parameter names: the output layer of task t is <c>weight{t}</c>/<c>bias{t}</c> (so linear heads keep their
/// checkpoint names); its hidden layer l is <c>hidden{t}_{l}_weight</c>/<c>hidden{t}_{l}_bias</c>. Initialisation
/// draws task by task, hidden layers first.
/// </remarks>
public sealed class TaskHeads : Module
{
    private readonly Parameter[][] _hiddenWeights;
    private readonly Parameter[][] _hiddenBiases;
    private readonly Parameter[] _weights;
    private readonly Parameter[] _biases;

    /// <summary>Creates <paramref name="tasks"/> heads mapping <paramref name="inFeatures"/> to <paramref name="outFeatures"/>.</summary>
    public TaskHeads(int tasks, int inFeatures, int outFeatures, Rng rng)
        : this(inFeatures, Enumerable.Repeat(outFeatures, tasks).ToArray(), rng)
    {
    }

    /// <summary>One linear head per entry of <paramref name="outFeatures"/> (task t maps <paramref name="inFeatures"/> to outFeatures[t]).</summary>
    public TaskHeads(int inFeatures, IReadOnlyList<int> outFeatures, Rng rng)
        : this(inFeatures, [], outFeatures, rng)
    {
    }

    /// <summary>
    /// One head per entry of <paramref name="outFeatures"/>: hidden layers of widths <paramref name="hiddenSizes"/>
    /// (linear + ReLU), then a linear layer to outFeatures[t].
    /// </summary>
    public TaskHeads(int inFeatures, IReadOnlyList<int> hiddenSizes, IReadOnlyList<int> outFeatures, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(hiddenSizes);
        ArgumentNullException.ThrowIfNull(outFeatures);
        if (hiddenSizes.Any(s => s < 1))
        {
            throw new ArgumentException("Head hidden sizes must be positive.", nameof(hiddenSizes));
        }

        int tasks = outFeatures.Count;
        _hiddenWeights = new Parameter[tasks][];
        _hiddenBiases = new Parameter[tasks][];
        _weights = new Parameter[tasks];
        _biases = new Parameter[tasks];
        for (int t = 0; t < tasks; t++)
        {
            _hiddenWeights[t] = new Parameter[hiddenSizes.Count];
            _hiddenBiases[t] = new Parameter[hiddenSizes.Count];
            int width = inFeatures;
            for (int l = 0; l < hiddenSizes.Count; l++)
            {
                _hiddenWeights[t][l] = RegisterParameter($"hidden{t}_{l}_weight", Glorot(hiddenSizes[l], width, rng), ParameterKind.Task(t));
                _hiddenBiases[t][l] = RegisterParameter($"hidden{t}_{l}_bias", Tensor.Zeros(hiddenSizes[l]), ParameterKind.Task(t));
                width = hiddenSizes[l];
            }

            _weights[t] = RegisterParameter($"weight{t}", Glorot(outFeatures[t], width, rng), ParameterKind.Task(t));
            _biases[t] = RegisterParameter($"bias{t}", Tensor.Zeros(outFeatures[t]), ParameterKind.Task(t));
        }

        InFeatures = inFeatures;
        HiddenSizes = [.. hiddenSizes];
    }

    /// <summary>Task <paramref name="task"/>'s weight [out, in] (for exporters).</summary>
    internal Parameter Weight(int task) => _weights[task];

    /// <summary>Task <paramref name="task"/>'s hidden layer <paramref name="layer"/>: weight [out, in] and bias (for exporters).</summary>
    internal (Parameter Weight, Parameter Bias) Hidden(int task, int layer) => (_hiddenWeights[task][layer], _hiddenBiases[task][layer]);

    /// <summary>Task <paramref name="task"/>'s bias [out] (for exporters).</summary>
    internal Parameter Bias(int task) => _biases[task];

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Widths of each head's hidden layers (empty: linear heads).</summary>
    public IReadOnlyList<int> HiddenSizes { get; }

    /// <summary>Applies task <paramref name="task"/>'s head to x [N, in].</summary>
    public Tensor Forward(Tensor x, int task)
    {
        for (int l = 0; l < _hiddenWeights[task].Length; l++)
        {
            x = Ops.Relu(Ops.Linear(x, _hiddenWeights[task][l].Value, _hiddenBiases[task][l].Value));
        }

        return Ops.Linear(x, _weights[task].Value, _biases[task].Value);
    }

    private static Tensor Glorot(int outFeatures, int inFeatures, Rng rng)
    {
        float bound = MathF.Sqrt(6f / (inFeatures + outFeatures));
        return Tensor.Uniform(new Shape(outFeatures, inFeatures), -bound, bound, rng);
    }
}
