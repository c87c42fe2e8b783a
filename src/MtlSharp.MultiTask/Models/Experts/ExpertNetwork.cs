using MtlSharp.MultiTask.Reporting;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// A network of experts mixed by softmax gates, with one tower per task (<see cref="MixtureOfExperts"/>: MMoE and
/// the one-gate mixture; <see cref="ProgressiveLayeredExtraction"/>: CGC and PLE). One forward pass serves several
/// tasks on the same rows, so the experts they share are evaluated once.
/// </summary>
public abstract class ExpertNetwork : Module
{
    /// <summary>Only the networks of this assembly derive from it.</summary>
    private protected ExpertNetwork()
    {
    }

    /// <summary>Number of tasks.</summary>
    public abstract int Tasks { get; }

    /// <summary>
    /// Outputs of the towers of <paramref name="tasks"/> (in that order) on x [N, …] (flattened to [N, in]); where
    /// <paramref name="gates"/> is given, the weights of every gate evaluated are added to it.
    /// </summary>
    public abstract IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates = null);

    /// <summary>
    /// As <see cref="Forward(Tensor, ReadOnlySpan{int}, GateStatistics?)"/> within a training or evaluation pass of the
    /// loop: networks that sample (AdaShare's policies) read the step, the mode and the random stream from
    /// <paramref name="context"/>; the overload without a context is an evaluation pass.
    /// </summary>
    public virtual IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates, in ForwardContext context) => Forward(x, tasks, gates);

    /// <summary>The output of task <paramref name="task"/>'s tower on x.</summary>
    public Tensor Forward(Tensor x, int task) => Forward(x, [task])[0];

    /// <summary>Penalties the network adds to the training objective (DSelect-k's entropy); none by default.</summary>
    public virtual IReadOnlyList<IRegularizer> Regularizers => [];

    /// <summary>Empty gate statistics shaped for this network.</summary>
    public abstract GateStatistics CreateGateStatistics();

    /// <summary>
    /// Short keys of the gate matrices (TensorBoard prefixes: <c>gates</c>, or <c>gates/level0</c>, <c>gates/level1</c>…),
    /// one per matrix of <see cref="CreateGateStatistics"/>.
    /// </summary>
    public abstract IReadOnlyList<string> GateKeys { get; }

    /// <summary>The mean gate weights of <paramref name="statistics"/> as labelled matrices (gates × experts).</summary>
    public abstract IReadOnlyList<NamedMatrix> GateMatrices(GateStatistics statistics, IReadOnlyList<string> taskNames);
}
