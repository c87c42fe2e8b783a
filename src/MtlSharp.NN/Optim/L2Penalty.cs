using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.NN.Optim;

/// <summary>
/// An explicit L2 penalty λ · Σ w² / 2 over selected parameters, as a differentiable scalar to add to the loss
/// (TensorFlow's <c>l2 * sum(tf.nn.l2_loss(w))</c>); its gradient is λ·w. Unlike optimizer weight decay it goes
/// through the loss, so it is part of the gradients that multi-task gradient methods see.
/// </summary>
public sealed class L2Penalty
{
    private readonly Tensor[] _tensors;

    /// <summary>
    /// Penalises the parameters that <paramref name="include"/> accepts (all when null); e.g.
    /// <see cref="ExcludeBiases"/>.
    /// </summary>
    public L2Penalty(float lambda, IEnumerable<Parameter> parameters, Func<Parameter, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(lambda >= 0f) || float.IsInfinity(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), $"L2Penalty: lambda must be finite and ≥ 0, got {lambda}.");
        }

        Lambda = lambda;
        var selected = new List<Parameter>();
        foreach (var p in parameters)
        {
            if (include is null || include(p))
            {
                selected.Add(p);
            }
        }

        Selected = selected;
        _tensors = new Tensor[selected.Count];
        for (int i = 0; i < _tensors.Length; i++)
        {
            _tensors[i] = selected[i].Value;
        }
    }

    /// <summary>Accepts parameters whose dotted name does not contain "bias" (the Omniglot reference's rule).</summary>
    public static bool ExcludeBiases(Parameter p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return !p.Name.Contains("bias", StringComparison.Ordinal);
    }

    /// <summary>λ.</summary>
    public float Lambda { get; }

    /// <summary>The penalised parameters.</summary>
    public IReadOnlyList<Parameter> Selected { get; }

    /// <summary>λ · Σ w² / 2 as a scalar tensor (shape []), differentiable with respect to the selected parameters.</summary>
    public Tensor Compute()
    {
        double acc = 0;
        foreach (var t in _tensors)
        {
            acc += FixedOrder.SumOfSquares(t.Span);
        }

        var y = Tensor.Scratch(Shape.Scalar);
        y.Span[0] = (float)(0.5 * Lambda * acc);
        return Autograd.ShouldRecord(_tensors) ? y.WithGradFn(new L2PenaltyNode(_tensors, Lambda)) : y;
    }

    private sealed class L2PenaltyNode(Tensor[] inputs, float lambda) : Node(inputs)
    {
        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            float scale = lambda * gradOutput[0];
            foreach (var t in Inputs)
            {
                Span<float> g = ctx.GradFor(t);
                if (!g.IsEmpty)
                {
                    TensorPrimitives.MultiplyAdd(t.Span, scale, g, g);
                }
            }
        }
    }
}
