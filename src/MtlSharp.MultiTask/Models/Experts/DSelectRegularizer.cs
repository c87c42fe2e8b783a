using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// DSelect-k's penalties over the selector outputs r [N, E] of every DSelect-k gate's training passes in a step:
/// λ · mean over rows of the entropy −Σ_e r log(r + 1e-6) (drives each selector to one expert), and, where the
/// expert count is not a power of two, mean over rows of 1/Σ_e r − 1 (drives the selectors off codes that name no
/// expert; weight 1, as the authors' code), summed over selectors and gates.
/// </summary>
internal sealed class DSelectRegularizer(IReadOnlyList<DSelectGate> gates, float entropy) : IRegularizer
{
    /// <inheritdoc/>
    public string Name => "dselect";

    /// <inheritdoc/>
    public Tensor? Compute(MultiTaskBatch batch, in ForwardContext context)
    {
        Tensor? total = null;
        foreach (var gate in gates)
        {
            foreach (var r in gate.TakeSelectors())
            {
                if (!context.Training)
                {
                    continue;
                }

                if (entropy > 0f)
                {
                    var h = Ops.Neg(Ops.Sum(Ops.Mul(r, Ops.Log(Ops.AddScalar(r, 1e-6f))), 1));   // [N]
                    total = Add(total, Ops.Scale(Ops.Mean(h), entropy));
                }

                if (!gate.PowerOfTwo)
                {
                    var mass = Ops.Sum(r, 1);   // [N]
                    total = Add(total, Ops.AddScalar(Ops.Mean(Ops.Pow(mass, -1f)), -1f));
                }
            }
        }

        return total;
    }

    private static Tensor Add(Tensor? total, Tensor term) => total is null ? term : Ops.Add(total, term);
}
