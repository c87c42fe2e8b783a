using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// A <see cref="RoutedNetwork"/> (Gumbel-Matrix routing, or a fixed allocation: no sharing, shared bottom) as a
/// model of the one training loop. Each batch part runs through the network with its task's allocation; the
/// optional budget penalty (spec A4) is the model's regulariser.
/// </summary>
public sealed class RoutedModel : IMultiTaskModel, IRepresentationModel
{
    private readonly IRegularizer[] _regularizers;
    private Parameter[]? _representationParameters;
    private bool? _trunkShared;

    /// <summary>
    /// Wraps <paramref name="network"/>; <paramref name="budget"/> adds λ·max(0, e_t − b) for each batch task;
    /// <paramref name="softSharing"/> &gt; 0 ties each layer's components by an L2 penalty (<see cref="SoftSharingRegularizer"/>);
    /// <paramref name="l2"/> &gt; 0 adds λ/2·Σw² over the weight matrices and kernels (<see cref="WeightL2Regularizer"/>);
    /// <paramref name="expertBalance"/> &gt; 0 adds the per-example layers' balancing loss, annealed to 0 over
    /// <paramref name="balanceSteps"/> updates (<see cref="ExpertBalanceRegularizer"/>).
    /// </summary>
    public RoutedModel(RoutedNetwork network, float? budget = null, float budgetLambda = 1f, bool sampleAtEvaluation = false, float softSharing = 0f,
        float l2 = 0f, float expertBalance = 0f, long balanceSteps = 1)
    {
        Network = network ?? throw new ArgumentNullException(nameof(network));
        SampleAtEvaluation = sampleAtEvaluation;
        var regularizers = new List<IRegularizer>();
        if (budget is { } b && network.LearnsAllocation)
        {
            regularizers.Add(new BudgetRegularizer(network.RouterLogits, b, budgetLambda));
        }

        if (softSharing > 0)
        {
            regularizers.Add(new SoftSharingRegularizer(network, softSharing));
        }

        if (l2 > 0)
        {
            regularizers.Add(new WeightL2Regularizer(network, l2));
        }

        if (expertBalance > 0 && network.PerExampleLayers.Count > 0)
        {
            regularizers.Add(new ExpertBalanceRegularizer(network.PerExampleLayers, expertBalance, balanceSteps));
        }

        _regularizers = [.. regularizers];
        SharedParameters = network.Parameters(k => k.Role == ParameterRole.Shared);
    }

    /// <summary>The routed network.</summary>
    public RoutedNetwork Network { get; }

    /// <summary>Evaluate with sampled instead of maximum-likelihood allocations (paper Sec. III-C).</summary>
    public bool SampleAtEvaluation { get; }

    /// <inheritdoc/>
    public Module Module => Network;

    /// <inheritdoc/>
    public int TaskCount => Network.Tasks;

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> SharedParameters { get; }

    /// <inheritdoc/>
    public Tensor? SharedRepresentation { get; private set; }

    /// <inheritdoc/>
    public string? RepresentationUnavailable => Network.TrunkUnavailable;

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> RepresentationParameters =>
        _representationParameters ??= Network.Parameters().Except(Network.Heads is { } h ? h.Parameters() : []).ToArray();

    /// <inheritdoc/>
    public IReadOnlyList<IRegularizer> Regularizers => _regularizers;

    /// <inheritdoc/>
    /// <remarks>
    /// Where the network has one trunk shared by every task (<see cref="RoutedNetwork.TrunkUnavailable"/> is null:
    /// a shared bottom) and several parts of the batch read the same input object (tasks over the same rows: a CSV
    /// table, MultiMNIST), the trunk runs once for them and each task's head reads its output, so the forward pass
    /// and the backward pass of the plain loss sum go through the trunk once instead of once per task. The outputs
    /// are bit-identical to running the whole network per part (the trunk draws no random numbers; dropout is drawn
    /// per head, in part order, as before); the trunk's parameter gradients are summed in a different order (one
    /// backward pass of the summed head gradients instead of one per task), so results differ in the last bits.
    /// </remarks>
    public IReadOnlyList<Tensor> Forward(MultiTaskBatch batch, in ForwardContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outputs = new Tensor[batch.Parts.Count];
        Tensor[]? trunks = null;
        if (outputs.Length > 1 && (_trunkShared ??= Network.TrunkUnavailable is null))
        {
            trunks = new Tensor[outputs.Length];
        }

        for (int i = 0; i < outputs.Length; i++)
        {
            var part = batch.Parts[i];
            if (part.Input is not TensorInput x)
            {
                throw new ArgumentException($"A routed network takes dense inputs; task {part.Task}'s batch holds {part.Input.GetType().Name}.");
            }

            var ctx = new RoutingContext(part.Task, context.Training, context.Temperature, context.Rng, SampleAtEvaluation, x.Rows);
            if (trunks is null)
            {
                outputs[i] = Network.Forward(x.Value, ctx);
                continue;
            }

            Tensor? trunk = null;
            for (int j = 0; j < i && trunk is null; j++)
            {
                if (ReferenceEquals(batch.Parts[j].Input, part.Input))
                {
                    trunk = trunks[j];
                }
            }

            trunks[i] = trunk ?? Network.ForwardTrunk(x.Value, ctx);
            outputs[i] = Network.ForwardHead(trunks[i], ctx);
        }

        return outputs;
    }

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> ForwardWithRepresentation(MultiTaskBatch batch, in ForwardContext context, out Tensor representation)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (Network.TrunkUnavailable is { } why)
        {
            throw new InvalidOperationException($"No shared representation: {why}.");
        }

        if (batch.Parts.Count == 0 || batch.Parts[0].Input is not TensorInput x)
        {
            throw new ArgumentException("A routed network takes dense inputs.");
        }

        for (int i = 1; i < batch.Parts.Count; i++)
        {
            if (!ReferenceEquals(batch.Parts[i].Input, x))
            {
                throw new ArgumentException(
                    $"Representation gradients need every task of a step to read the same inputs, but task {batch.Parts[i].Task} has its own batch (use data whose tasks share their rows: one CSV table, MultiMNIST).");
            }
        }

        var first = new RoutingContext(batch.Parts[0].Task, context.Training, context.Temperature, context.Rng, SampleAtEvaluation, x.Rows);
        representation = Network.ForwardTrunk(x.Value, first);
        SharedRepresentation = representation;
        var outputs = new Tensor[batch.Parts.Count];
        for (int i = 0; i < outputs.Length; i++)
        {
            var ctx = new RoutingContext(batch.Parts[i].Task, context.Training, context.Temperature, context.Rng, SampleAtEvaluation, x.Rows);
            outputs[i] = Network.ForwardHead(representation, ctx);
        }

        return outputs;
    }

    /// <inheritdoc/>
    public IReadOnlyList<(string Name, double Value)> SharingScalars()
    {
        var list = new List<(string, double)>();
        var probs = Network.Probabilities();
        for (int l = 0; l < probs.Count; l++)
        {
            if (Network.RoutedLayers[l].Router.Logits is null)
            {
                continue;
            }

            for (int t = 0; t < probs[l].Length; t++)
            {
                for (int c = 0; c < probs[l][t].Length; c++)
                {
                    list.Add(($"allocation/layer{l}/task{t}/c{c}", probs[l][t][c]));
                }
            }
        }

        return list;
    }
}
