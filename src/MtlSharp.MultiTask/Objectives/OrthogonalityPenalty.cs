using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Objectives;

/// <summary>
/// The sluice networks' subspace orthogonality penalty (spec B3, D15): for every LSTM direction given, the
/// input-gate row block of <c>weight_ih</c> and of <c>weight_hh</c> ([H, ·]) is split into S contiguous row blocks
/// W_1 … W_S (one per subspace, the same split as the α units), and R = Σ_{s&lt;s′} ‖W_sᵀ W_s′‖²_F, summed over
/// matrices. A PyTorch-style LSTM has no peepholes, so W_ic of the official code has no counterpart.
/// </summary>
public static class OrthogonalityPenalty
{
    /// <summary>R over <paramref name="directions"/> as a differentiable scalar []; zero for S = 1.</summary>
    public static Tensor Compute(IEnumerable<LstmWeights> directions, int subspaces)
    {
        ArgumentNullException.ThrowIfNull(directions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(subspaces);
        Tensor? total = null;
        if (subspaces > 1)
        {
            foreach (var w in directions)
            {
                total = Add(total, Of(w.InputGateRowsIh(), subspaces));
                total = Add(total, Of(w.InputGateRowsHh(), subspaces));
            }
        }

        return total ?? Tensor.Scalar(0f);
    }

    /// <summary>Σ_{s&lt;s′} ‖W_sᵀ W_s′‖²_F for one [H, I] block split by rows into S parts.</summary>
    public static Tensor Of(Tensor block, int subspaces)
    {
        ArgumentNullException.ThrowIfNull(block);
        ShapeMismatchException.Require(block.Rank == 2 && block.Shape[0] % subspaces == 0, "OrthogonalityPenalty", $"a [H, I] block with H divisible by S = {subspaces}", block.Shape);
        int rows = block.Shape[0] / subspaces;
        Tensor? total = null;
        for (int s = 0; s < subspaces; s++)
        {
            var ws = Ops.Slice(block, 0, s * rows, rows);
            for (int t = s + 1; t < subspaces; t++)
            {
                var wt = Ops.Slice(block, 0, t * rows, rows);
                total = Add(total, Ops.SumOfSquares(Ops.MatMul(ws, wt, transA: true)));
            }
        }

        return total ?? Tensor.Scalar(0f);
    }

    private static Tensor Add(Tensor? a, Tensor b) => a is null ? b : Ops.Add(a, b);
}
