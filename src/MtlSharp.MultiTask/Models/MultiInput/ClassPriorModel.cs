using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.MultiInput;

/// <summary>
/// The majority-class baseline as a model of the loop: each task's logits are one learned bias vector, the same for
/// every example, whatever its input. Trained with cross-entropy it learns the log class frequencies of the training
/// data, so its prediction is the training split's majority class. The input only gives the number of rows.
/// </summary>
public sealed class ClassPriorModel : Module, IMultiTaskModel
{
    private readonly Parameter[] _biases;

    /// <summary>Creates the model; <paramref name="outputs"/>[t] is task t's number of classes.</summary>
    public ClassPriorModel(IReadOnlyList<int> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        _biases = new Parameter[outputs.Count];
        for (int t = 0; t < outputs.Count; t++)
        {
            _biases[t] = RegisterParameter($"bias{t}", Tensor.Zeros(outputs[t]), ParameterKind.Task(t));
        }
    }

    /// <inheritdoc/>
    Module IMultiTaskModel.Module => this;

    /// <inheritdoc/>
    public int TaskCount => _biases.Length;

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> SharedParameters => [];

    /// <inheritdoc/>
    public Tensor? SharedRepresentation => null;

    /// <inheritdoc/>
    public IReadOnlyList<IRegularizer> Regularizers => [];

    /// <summary>Task <paramref name="task"/>'s logits (the same for every example).</summary>
    public Tensor Bias(int task) => _biases[task].Value;

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Forward(MultiTaskBatch batch, in ForwardContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return batch.Parts.Select(p => Ops.Add(Tensor.Zeros(RowsOf(p.Input), _biases[p.Task].Value.Length), _biases[p.Task].Value)).ToArray();
    }

    /// <inheritdoc/>
    public IReadOnlyList<(string Name, double Value)> SharingScalars() => [];

    private static int RowsOf(BatchInput input) => input switch
    {
        BagInput b => b.Rows,
        SentenceInput s => s.Value.BatchSize,
        TensorInput t => t.Value.Shape[0],
        _ => throw new ArgumentException($"The class-prior model cannot count the rows of a {input.GetType().Name}."),
    };
}
