using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// The Gumbel-Matrix router of one layer (Maziarz et al. Sec. III): a [T, C, 2] tensor of complementary logits
/// (connect, disconnect) per (task, component), initialised to [log p_init, log(1 − p_init)] (spec A1, A4, D6),
/// registered with <see cref="ParameterKind.Routing"/> so it gets its own optimizer.
/// </summary>
public sealed class GumbelMatrixRouter : Module, IRouter
{
    private readonly Parameter _logits;

    /// <summary>Creates the router with every allocation probability at <paramref name="pInit"/>.</summary>
    public GumbelMatrixRouter(int tasks, int components, float pInit = 0.5f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tasks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        if (!(pInit > 0 && pInit < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(pInit), $"p_init must lie in (0, 1), got {pInit}.");
        }

        Tasks = tasks;
        Components = components;
        var l = Tensor.Zeros(tasks, components, 2);
        Span<float> s = l.Span;
        for (int i = 0; i < tasks * components; i++)
        {
            s[2 * i] = MathF.Log(pInit);
            s[(2 * i) + 1] = MathF.Log(1 - pInit);
        }

        _logits = RegisterParameter("logits", l, ParameterKind.Routing);
    }

    /// <inheritdoc />
    public int Tasks { get; }

    /// <inheritdoc />
    public int Components { get; }

    /// <inheritdoc />
    public Tensor? Logits => _logits.Value;

    /// <inheritdoc />
    public Tensor Sample(in RoutingContext ctx) => StraightThroughGumbel.Sample(_logits.Value, ctx.Task, ctx.Tau, ctx.Rng);

    /// <inheritdoc />
    public float[] EvaluationRow(in RoutingContext ctx)
    {
        if (!ctx.SampleAtEvaluation)
        {
            return StraightThroughGumbel.MaximumLikelihood(_logits.Value, ctx.Task);
        }

        using var _ = Autograd.NoGrad();
        return StraightThroughGumbel.Sample(_logits.Value, ctx.Task, 1f, ctx.Rng).ToArray();
    }

    /// <inheritdoc />
    public int[][] MaximumLikelihood()
    {
        var m = new int[Tasks][];
        for (int t = 0; t < Tasks; t++)
        {
            m[t] = Array.ConvertAll(StraightThroughGumbel.MaximumLikelihood(_logits.Value, t), v => (int)v);
        }

        return m;
    }

    /// <inheritdoc />
    public double[][] Probabilities() => StraightThroughGumbel.Probabilities(_logits.Value);
}
