using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// The expert-balancing (importance) loss of noisy top-k gating (Shazeer et al. 2017): for every per-example routed
/// layer, the squared coefficient of variation of the batch's per-component gate sums, CV² = var/mean², weighted by
/// w and summed over layers; w is annealed linearly from <c>initial</c> to 0 over <c>annealSteps</c> updates
/// (Ramachandran &amp; Le 2019 anneal it from 0.1 to 0 over training).
/// </summary>
public sealed class ExpertBalanceRegularizer : IRegularizer
{
    private readonly PerExampleRoutedLayer[] _layers;
    private readonly float _initial;
    private readonly long _annealSteps;

    /// <summary>Creates the penalty over <paramref name="layers"/>.</summary>
    public ExpertBalanceRegularizer(IEnumerable<PerExampleRoutedLayer> layers, float initial, long annealSteps)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = [.. layers];
        _initial = initial;
        _annealSteps = Math.Max(1, annealSteps);
    }

    /// <inheritdoc />
    public string Name => "expert-balance";

    /// <summary>The weight at update <paramref name="step"/>.</summary>
    public float Weight(long step) => _initial * (float)Math.Max(0.0, 1.0 - ((double)step / _annealSteps));

    /// <inheritdoc />
    public Tensor? Compute(MultiTaskBatch batch, in ForwardContext context)
    {
        // Take every layer's gates, even when the weight is 0, so stale gates never reach a later step.
        var gates = _layers.Select(l => l.TakeGates()).ToArray();
        float w = Weight(context.Step);
        if (!context.Training || w <= 0f)
        {
            return null;
        }

        Tensor? total = null;
        foreach (var g in gates)
        {
            if (g is null)
            {
                continue;
            }

            Tensor cv2 = Cv2(g);
            total = total is null ? cv2 : Ops.Add(total, cv2);
        }

        return total is null ? null : Ops.Scale(total, w);
    }

    /// <summary>CV² of the column sums of <paramref name="gates"/> [N, C]: var/(mean² + 1e-10), population variance.</summary>
    public static Tensor Cv2(Tensor gates)
    {
        ArgumentNullException.ThrowIfNull(gates);
        Tensor importance = Ops.Sum(gates, 0);
        Tensor mean = Ops.Mean(importance);
        Tensor variance = Ops.Mean(Ops.Square(Ops.Sub(importance, mean)));
        return Ops.Div(variance, Ops.AddScalar(Ops.Square(mean), 1e-10f));
    }
}
