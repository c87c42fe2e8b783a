using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// One LSTM layer over a padded batch (PyTorch's gate order i, f, g, o and equations):
    /// x [B, T, I]; <paramref name="lengths"/> (B values in [0, T]) the real lengths; wIh [4H, I], wHh [4H, H],
    /// bIh and bHh [4H] or null. Returns [B, T, H]; positions t ≥ lengths[b] are zero and carry no gradient.
    /// With <paramref name="reverse"/>, each sequence is read from its last real token back to its first, and
    /// outputs stay aligned with the input positions (PyTorch's packed bidirectional semantics). Initial states
    /// are zero.
    /// </summary>
    /// <remarks>
    /// <para>Equations (as <c>torch.nn.LSTM</c>), with z = Wih·xₜ + bIh + Whh·hₜ₋₁ + bHh split in four H-blocks:
    /// i = σ(z[0, H)), f = σ(z[H, 2H)), g = tanh(z[2H, 3H)), o = σ(z[3H, 4H)), cₜ = f ⊙ cₜ₋₁ + i ⊙ g,
    /// hₜ = o ⊙ tanh(cₜ).</para>
    /// <para><b>Gate blocks.</b> Rows [0, H) of <paramref name="wIh"/> and <paramref name="wHh"/> (and of the
    /// biases) belong to the input gate i, rows [H, 2H) to the forget gate f, [2H, 3H) to the cell candidate g and
    /// [3H, 4H) to the output gate o, exactly PyTorch's <c>weight_ih_l0</c>/<c>weight_hh_l0</c> layout. A penalty on
    /// one gate's weights (e.g. the sluice networks' orthogonality penalty on the input-gate blocks) takes those rows
    /// with <c>Ops.Slice(wIh, axis: 0, start: 0, length: H)</c>.</para>
    /// <para>Implementation: sequences are packed by descending length (like <c>pack_padded_sequence</c>), the
    /// input projection of all real tokens is one GEMM, and each step runs a [Bₛ, H]·[H, 4H] GEMM over the Bₛ
    /// sequences still running plus a fused vectorised cell kernel; backward runs BPTT with one GEMM per step for
    /// dh and one GEMM each for dWih, dWhh and dx. Padding positions cost nothing.</para>
    /// </remarks>
    /// <exception cref="ShapeMismatchException">When the shapes do not fit together.</exception>
    /// <exception cref="ArgumentException">When <paramref name="lengths"/> has the wrong count or a value outside [0, T].</exception>
    public static Tensor Lstm(Tensor x, ReadOnlySpan<int> lengths, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh, bool reverse = false)
    {
        const string op = "Lstm";
        int hidden = ValidateLstm(op, x, wIh, wHh, bIh, bHh);
        int batch = x.Shape[0], time = x.Shape[1], input = x.Shape[2];
        var plan = LstmPlan.Create(op, lengths, batch, time);
        var xp = Tensor.Scratch(new Shape(plan.Capacity, input));
        plan.Gather(x.Span, input, xp.Span);

        var y = Tensor.Scratch(new Shape(batch, time, hidden));
        var dir = new LstmDirection(plan, wIh, wHh, bIh, bHh, reverse);
        dir.Project(xp.Span);
        dir.Recur(y.Span, hidden, 0);
        plan.ZeroPadding(y.Span, hidden, 0, hidden);

        if (Autograd.ShouldRecord([x, wIh, wHh, bIh, bHh]))
        {
            return y.WithGradFn(new LstmNode(x, xp, plan, dir, NonNull(x, wIh, wHh, bIh, bHh)));
        }

        return y;
    }

    /// <summary>Checks one direction's shapes; returns H.</summary>
    private static int ValidateLstm(string op, Tensor x, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh)
    {
        ArgumentNullException.ThrowIfNull(x);
        ShapeMismatchException.Require(x.Rank == 3, op, "x must be [B, T, I]", x.Shape);
        return ValidateLstmWeights(op, x.Shape, wIh, wHh, bIh, bHh);
    }

    /// <summary>Checks one direction's weights against an input of shape [B, T, I]; returns H.</summary>
    private static int ValidateLstmWeights(string op, Shape x, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh)
    {
        ArgumentNullException.ThrowIfNull(wIh);
        ArgumentNullException.ThrowIfNull(wHh);
        ShapeMismatchException.Require(
            wHh.Rank == 2 && wHh.Shape[1] > 0 && wHh.Shape[0] == 4 * wHh.Shape[1],
            op, "wHh must be [4H, H] with H > 0", wHh.Shape);
        int hidden = wHh.Shape[1];
        ShapeMismatchException.Require(
            wIh.Rank == 2 && wIh.Shape[0] == 4 * hidden && wIh.Shape[1] == x[2],
            op, $"wIh must be [4H, I] = [{4 * hidden}, {x[2]}] for x [B, T, I] and wHh [4H, H]", x, wIh.Shape, wHh.Shape);
        foreach (var bias in (ReadOnlySpan<Tensor?>)[bIh, bHh])
        {
            if (bias is not null)
            {
                ShapeMismatchException.Require(
                    bias.Rank == 1 && bias.Shape[0] == 4 * hidden, op, $"biases must be [4H] = [{4 * hidden}] for wHh [4H, H]", bias.Shape, wHh.Shape);
            }
        }

        return hidden;
    }

    private static Tensor[] NonNull(params Tensor?[] tensors)
    {
        int count = 0;
        foreach (var t in tensors)
        {
            count += t is null ? 0 : 1;
        }

        var result = new Tensor[count];
        int k = 0;
        foreach (var t in tensors)
        {
            if (t is not null)
            {
                result[k++] = t;
            }
        }

        return result;
    }

    private sealed class LstmNode : Node
    {
        private readonly Tensor _x, _xp;
        private readonly LstmPlan _plan;
        private readonly LstmDirection _dir;

        public LstmNode(Tensor x, Tensor xp, LstmPlan plan, LstmDirection dir, Tensor[] inputs)
            : base(inputs)
        {
            _x = x;
            _xp = xp;
            _plan = plan;
            _dir = dir;
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            int hidden = output.Shape[2], input = _x.Shape[2];
            _dir.BeginBackward();
            _dir.BackwardRecur(gradOutput, hidden, 0);
            Span<float> gx = ctx.GradFor(_x);
            Tensor? dxp = gx.IsEmpty ? null : Tensor.Scratch(new Shape(_plan.Capacity, input));
            _dir.BackwardWeights(ctx, _xp.Span, dxp is null ? default : dxp.Span, accumulateDxp: false);
            if (dxp is not null && _plan.Rows > 0)
            {
                _plan.ScatterAdd(dxp.Span, input, gx);
            }
        }
    }
}
