namespace MtlSharp.NN.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) with <c>torch.optim.Adam</c>'s exact update, including its bias correction
/// (stepSize = lr / (1 − β1ᵗ), denominator √v / √(1 − β2ᵗ) + eps) and L2 weight decay added to the gradient.
/// State slots: <c>exp_avg</c>, <c>exp_avg_sq</c>; the step count is per parameter.
/// </summary>
public sealed class Adam : Optimizer
{
    /// <summary>Creates Adam over groups, each with its own learning rate and weight decay.</summary>
    public Adam(IReadOnlyList<OptimizerGroup> groups, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f)
        : base(groups, "exp_avg", "exp_avg_sq")
    {
        AdamMath.Validate(GetType().Name, beta1, beta2, eps);
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
    }

    /// <summary>Creates Adam over one list of parameters.</summary>
    public Adam(IEnumerable<Parameter> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f)
        : this([new OptimizerGroup(parameters, learningRate, weightDecay)], beta1, beta2, eps)
    {
    }

    /// <summary>β1, the first-moment decay.</summary>
    public float Beta1 { get; }

    /// <summary>β2, the second-moment decay.</summary>
    public float Beta2 { get; }

    /// <summary>ε added to the denominator.</summary>
    public float Eps { get; }

    /// <inheritdoc />
    protected override void Update(OptimizerGroup group, Span<float> value, ReadOnlySpan<float> grad, Span<float> slot0, Span<float> slot1, long step) =>
        AdamMath.Step(value, grad, slot0, slot1, group.LearningRate, Beta1, Beta2, Eps, group.WeightDecay, decoupled: false, step);
}
