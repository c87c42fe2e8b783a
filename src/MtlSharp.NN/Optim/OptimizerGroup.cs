namespace MtlSharp.NN.Optim;

/// <summary>
/// A <see cref="ParameterGroup"/> with its own hyperparameters (PyTorch's <c>param_groups</c> entries): the
/// learning rate (mutable, e.g. by an <see cref="ILearningRateSchedule"/>) and the weight decay.
/// </summary>
public sealed class OptimizerGroup
{
    private float _learningRate;
    private float _weightDecay;

    /// <summary>Creates a group; <see cref="InitialLearningRate"/> remembers <paramref name="learningRate"/>.</summary>
    public OptimizerGroup(ParameterGroup parameters, float learningRate, float weightDecay = 0f)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
        LearningRate = learningRate;
        InitialLearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>Creates a group over a list of parameters.</summary>
    public OptimizerGroup(IEnumerable<Parameter> parameters, float learningRate, float weightDecay = 0f)
        : this(new ParameterGroup(parameters), learningRate, weightDecay)
    {
    }

    /// <summary>The parameters.</summary>
    public ParameterGroup Parameters { get; }

    /// <summary>The current learning rate (≥ 0).</summary>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value >= 0f) || float.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), $"Learning rate must be finite and ≥ 0, got {value}.");
            }

            _learningRate = value;
        }
    }

    /// <summary>The learning rate the group was created with (the base of schedules).</summary>
    public float InitialLearningRate { get; }

    /// <summary>Weight decay (L2 added to the gradient for SGD/Adam; decoupled for AdamW).</summary>
    public float WeightDecay
    {
        get => _weightDecay;
        set
        {
            if (!(value >= 0f) || float.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), $"Weight decay must be finite and ≥ 0, got {value}.");
            }

            _weightDecay = value;
        }
    }
}
