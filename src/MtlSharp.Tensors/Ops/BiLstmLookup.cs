using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// A bidirectional LSTM layer over embedded ids: <c>BiLstm(Embedding(table, ids, batch, time), lengths, …)</c>
    /// (see <see cref="BiLstm"/> and <see cref="Embedding"/>) in one op. <paramref name="table"/> [V, I];
    /// <paramref name="ids"/> [B·T] row-major, each in [0, V) at the real positions (t &lt; length; the ids at
    /// padding positions are not read); weights as in <see cref="BiLstm"/>. Returns [B, T, 2H]; gradients for the
    /// table, the weights and the biases.
    /// </summary>
    /// <remarks>
    /// An input projection of a table row is the same for every position that picks it, so each direction projects
    /// only the U distinct rows the batch uses (U·I·4H multiply-adds instead of N·I·4H for N real positions) and
    /// copies the projections into place; backward adds the gate gradients up per distinct row first and then forms
    /// dWih and the table rows' gradient from those U rows. A character BiLSTM over ~30–100 characters does a third
    /// of its work in these products, and nearly all of it goes. The results equal the composed ops' up to rounding
    /// (the sums run in another order); deterministic per machine and thread count like <see cref="BiLstm"/>.
    /// </remarks>
    /// <exception cref="ShapeMismatchException">When the shapes do not fit together.</exception>
    /// <exception cref="ArgumentException">When the counts of ids or lengths are wrong, a length is outside [0, T], or an id read is outside [0, V).</exception>
    public static Tensor BiLstmLookup(
        Tensor table, ReadOnlySpan<int> ids, int batch, int time, ReadOnlySpan<int> lengths,
        Tensor wIhForward, Tensor wHhForward, Tensor? bIhForward, Tensor? bHhForward,
        Tensor wIhBackward, Tensor wHhBackward, Tensor? bIhBackward, Tensor? bHhBackward)
    {
        const string op = "BiLstmLookup";
        ArgumentNullException.ThrowIfNull(table);
        ShapeMismatchException.Require(table.Rank == 2, op, "table must be [V, I]", table.Shape);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(time);
        if ((long)batch * time != ids.Length)
        {
            throw new ArgumentException($"{op}: {ids.Length} ids for a batch of {batch} × {time} positions.", nameof(ids));
        }

        int vocab = table.Shape[0], input = table.Shape[1];
        var xShape = new Shape(batch, time, input);
        int hidden = ValidateLstmWeights(op, xShape, wIhForward, wHhForward, bIhForward, bHhForward);
        int hiddenB = ValidateLstmWeights(op, xShape, wIhBackward, wHhBackward, bIhBackward, bHhBackward);
        ShapeMismatchException.Require(
            hidden == hiddenB, op, "both directions must have the same hidden size (wHh [4H, H])", wHhForward.Shape, wHhBackward.Shape);
        var plan = LstmPlan.Create(op, lengths, batch, time);

        // Packed row → distinct row, distinct rows numbered in packed order of first use.
        int[] local = new int[plan.Rows];
        int[] slot = new int[vocab];
        Array.Fill(slot, -1);
        // Scratch sized by the most distinct rows a batch of this shape can use, so that batches of one shape reuse the
        // same arena buffers whatever their lengths and ids (as BiLstm's).
        int capacity = Math.Min(vocab, plan.Capacity);
        int[] picked = new int[Math.Min(vocab, plan.Rows)];
        int count = 0;
        for (int t = 0; t < plan.Steps; t++)
        {
            int bs = plan.BatchSizes[t], off = plan.Offsets[t];
            for (int r = 0; r < bs; r++)
            {
                int at = (plan.Order[r] * time) + t, id = ids[at];
                if ((uint)id >= (uint)vocab)
                {
                    throw new ArgumentException($"{op}: id {id} at position {at} is outside [0, {vocab}) for table of shape {table.Shape}.", nameof(ids));
                }

                if (slot[id] < 0)
                {
                    slot[id] = count;
                    picked[count++] = id;
                }

                local[off + r] = slot[id];
            }
        }

        var rows = Tensor.Scratch(new Shape(capacity, input));
        ReadOnlySpan<float> ts = table.Span;
        Span<float> rs = rows.Span;
        for (int k = 0; k < count; k++)
        {
            ts.Slice(picked[k] * input, input).CopyTo(rs.Slice(k * input, input));
        }

        var y = Tensor.Scratch(new Shape(batch, time, 2 * hidden));
        var fwd = new LstmDirection(plan, wIhForward, wHhForward, bIhForward, bHhForward, reverse: false);
        var bwd = new LstmDirection(plan, wIhBackward, wHhBackward, bIhBackward, bHhBackward, reverse: true);
        fwd.ProjectRows(rows.Span, count, capacity, local);
        bwd.ProjectRows(rows.Span, count, capacity, local);
        RunBoth(
            () => fwd.Recur(y.Span, 2 * hidden, 0),
            () => bwd.Recur(y.Span, 2 * hidden, hidden));
        plan.ZeroPadding(y.Span, 2 * hidden, 0, 2 * hidden);

        if (Autograd.ShouldRecord([table, wIhForward, wHhForward, bIhForward, bHhForward, wIhBackward, wHhBackward, bIhBackward, bHhBackward]))
        {
            var inputs = NonNull(table, wIhForward, wHhForward, bIhForward, bHhForward, wIhBackward, wHhBackward, bIhBackward, bHhBackward);
            return y.WithGradFn(new BiLstmLookupNode(table, rows, picked, count, capacity, local, fwd, bwd, inputs));
        }

        return y;
    }

    private sealed class BiLstmLookupNode : Node
    {
        private readonly Tensor _table, _rows;
        private readonly int[] _picked, _local;
        private readonly int _count, _capacity;
        private readonly LstmDirection _fwd, _bwd;

        public BiLstmLookupNode(Tensor table, Tensor rows, int[] picked, int count, int capacity, int[] local, LstmDirection fwd, LstmDirection bwd, Tensor[] inputs)
            : base(inputs)
        {
            _table = table;
            _rows = rows;
            _picked = picked;
            _count = count;
            _capacity = capacity;
            _local = local;
            _fwd = fwd;
            _bwd = bwd;
        }

        public override string Name => "BiLstmLookup";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            int input = _table.Shape[1];
            BackwardRecurBoth(_fwd, _bwd, gradOutput, output.Shape[2]);

            Span<float> gt = ctx.GradFor(_table);
            Tensor? dRows = gt.IsEmpty || _count == 0 ? null : Tensor.Scratch(new Shape(_capacity, input));
            Span<float> drs = dRows is null ? default : dRows.Span;
            _fwd.BackwardWeightsRows(ctx, _rows.Span, _count, _capacity, _local, drs, accumulateDRows: false);
            _bwd.BackwardWeightsRows(ctx, _rows.Span, _count, _capacity, _local, drs, accumulateDRows: true);
            if (dRows is not null && _local.Length > 0)
            {
                for (int k = 0; k < _count; k++)
                {
                    Span<float> dst = gt.Slice(_picked[k] * input, input);
                    TensorPrimitives.Add(dst, drs.Slice(k * input, input), dst);
                }
            }
        }
    }
}
