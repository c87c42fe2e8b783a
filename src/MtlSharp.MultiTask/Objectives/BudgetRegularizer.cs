using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Objectives;

/// <summary>
/// The Gumbel-Matrix budget penalty as a regulariser (spec A4): for each task t of the batch,
/// λ·max(0, e_t − b) with e_t the expected fraction of active connections of t (<see cref="BudgetPenalty"/>).
/// </summary>
public sealed class BudgetRegularizer(IReadOnlyList<Tensor> routerLogits, float budget, float lambda) : IRegularizer
{
    private readonly IReadOnlyList<Tensor> _logits = routerLogits ?? throw new ArgumentNullException(nameof(routerLogits));

    /// <inheritdoc/>
    public string Name => "budget";

    /// <summary>The budget b.</summary>
    public float Budget { get; } = budget;

    /// <summary>The weight λ.</summary>
    public float Lambda { get; } = lambda;

    /// <inheritdoc/>
    public Tensor? Compute(MultiTaskBatch batch, in ForwardContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Tensor? total = null;
        foreach (var part in batch.Parts)
        {
            var p = BudgetPenalty.Compute(_logits, part.Task, Budget, Lambda);
            total = total is null ? p : Ops.Add(total, p);
        }

        return total;
    }
}
