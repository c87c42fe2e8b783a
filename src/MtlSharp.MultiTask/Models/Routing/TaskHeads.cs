using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// One linear head per task (<c>Dense(num_classes)</c> with bias, no activation, in the authors' code): weight
/// [out, in] Glorot-uniform, bias zero, each registered with <see cref="ParameterKind.Task(int)"/>.
/// </summary>
public sealed class TaskHeads : Module
{
    private readonly Parameter[] _weights;
    private readonly Parameter[] _biases;

    /// <summary>Creates <paramref name="tasks"/> heads mapping <paramref name="inFeatures"/> to <paramref name="outFeatures"/>.</summary>
    public TaskHeads(int tasks, int inFeatures, int outFeatures, Rng rng)
        : this(inFeatures, Enumerable.Repeat(outFeatures, tasks).ToArray(), rng)
    {
    }

    /// <summary>One head per entry of <paramref name="outFeatures"/> (task t maps <paramref name="inFeatures"/> to outFeatures[t]).</summary>
    public TaskHeads(int inFeatures, IReadOnlyList<int> outFeatures, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(outFeatures);
        int tasks = outFeatures.Count;
        _weights = new Parameter[tasks];
        _biases = new Parameter[tasks];
        for (int t = 0; t < tasks; t++)
        {
            float bound = MathF.Sqrt(6f / (inFeatures + outFeatures[t]));
            _weights[t] = RegisterParameter($"weight{t}", Tensor.Uniform(new Shape(outFeatures[t], inFeatures), -bound, bound, rng), ParameterKind.Task(t));
            _biases[t] = RegisterParameter($"bias{t}", Tensor.Zeros(outFeatures[t]), ParameterKind.Task(t));
        }

        InFeatures = inFeatures;
    }

    /// <summary>Task <paramref name="task"/>'s weight [out, in] (for exporters).</summary>
    internal Parameter Weight(int task) => _weights[task];

    /// <summary>Task <paramref name="task"/>'s bias [out] (for exporters).</summary>
    internal Parameter Bias(int task) => _biases[task];

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Applies task <paramref name="task"/>'s head to x [N, in].</summary>
    public Tensor Forward(Tensor x, int task) => Ops.Linear(x, _weights[task].Value, _biases[task].Value);
}
