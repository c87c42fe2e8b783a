namespace MtlSharp.NN.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum (Sutskever et al. 2013) and
/// L2 weight decay, with <c>torch.optim.SGD</c>'s exact update (the momentum buffer starts as the first gradient).
/// State slot: <c>momentum_buffer</c> (unused when momentum is 0).
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates SGD over groups, each with its own learning rate and weight decay.</summary>
    public Sgd(IReadOnlyList<OptimizerGroup> groups, float momentum = 0f, float dampening = 0f, bool nesterov = false)
        : base(groups, "momentum_buffer")
    {
        if (!(momentum >= 0f) || !(dampening >= 0f) || dampening > 1f)
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), $"Sgd: momentum must be ≥ 0 and dampening in [0, 1]; got {momentum}, {dampening}.");
        }

        if (nesterov && (momentum == 0f || dampening != 0f))
        {
            throw new ArgumentException("Sgd: Nesterov momentum requires a momentum > 0 and zero dampening.", nameof(nesterov));
        }

        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
    }

    /// <summary>Creates SGD over one list of parameters.</summary>
    public Sgd(IEnumerable<Parameter> parameters, float learningRate, float momentum = 0f, float weightDecay = 0f, bool nesterov = false, float dampening = 0f)
        : this([new OptimizerGroup(parameters, learningRate, weightDecay)], momentum, dampening, nesterov)
    {
    }

    /// <summary>Momentum factor μ.</summary>
    public float Momentum { get; }

    /// <summary>Dampening of the gradient added to the momentum buffer.</summary>
    public float Dampening { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc />
    protected override void Update(OptimizerGroup group, Span<float> value, ReadOnlySpan<float> grad, Span<float> slot0, Span<float> slot1, long step) =>
        FusedUpdates.Sgd(value, grad, Momentum != 0f ? slot0 : [], group.LearningRate, group.WeightDecay, Momentum, Dampening, Nesterov, firstStep: step == 1);
}
