using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Objectives;

/// <summary>
/// Soft parameter sharing (Duong et al. 2015; the survey's definition): the components of every routed layer —
/// with the <c>no-sharing</c> router, one network per task — are tied by the squared L2 distance between corresponding
/// parameters, λ Σ_layers Σ_{c &lt; c'} ‖θ_c − θ_c'‖², computed as λ C Σ_c ‖θ_c − θ̄‖² over the C components of each
/// stack (equal by the identity Σ_{c&lt;c'} ‖a_c − a_c'‖² = C Σ_c ‖a_c − ā‖²). Components of different shapes (a group)
/// are tied within their own stack. λ = 0 is independent networks; large λ pulls them towards one shared network.
/// (The survey's optional trace-norm coupling is not implemented.)
/// </summary>
public sealed class SoftSharingRegularizer : IRegularizer
{
    private readonly (Parameter Parameter, int Count)[] _tied;

    /// <summary>Ties the components of every routed layer of <paramref name="network"/> with weight <paramref name="lambda"/>.</summary>
    public SoftSharingRegularizer(RoutedNetwork network, float lambda)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!(lambda >= 0) || !float.IsFinite(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "The soft-sharing weight must be a finite number ≥ 0.");
        }

        Lambda = lambda;
        var tied = new List<(Parameter, int)>();
        foreach (var layer in network.RoutedLayers)
        {
            foreach (var stack in Stacks(layer.Components))
            {
                if (stack.Count < 2 || stack is not Module module)
                {
                    continue;
                }

                foreach (var p in module.Parameters())
                {
                    if (p.Length % stack.Count != 0)
                    {
                        throw new ArgumentException($"Parameter {p.Name} of {p.Length} values is not {stack.Count} components of equal size.");
                    }

                    tied.Add((p, stack.Count));
                }
            }
        }

        _tied = [.. tied];
    }

    /// <summary>λ.</summary>
    public float Lambda { get; }

    /// <inheritdoc/>
    public string Name => "soft-sharing";

    /// <inheritdoc/>
    public Tensor? Compute(MultiTaskBatch batch, in ForwardContext context)
    {
        if (Lambda == 0 || _tied.Length == 0)
        {
            return null;
        }

        Tensor? total = null;
        foreach (var (p, count) in _tied)
        {
            var rows = Ops.Reshape(p.Value, new Shape(count, p.Length / count));
            var centred = Ops.Sub(rows, Ops.Mean(rows, 0, keepDim: true));
            var term = Ops.Scale(Ops.Sum(Ops.Mul(centred, centred)), Lambda * count);
            total = total is null ? term : Ops.Add(total, term);
        }

        return total;
    }

    private static IEnumerable<IComponentStack> Stacks(IComponentStack stack) =>
        stack is ComponentGroup group ? group.Members.SelectMany(Stacks) : [stack];
}
