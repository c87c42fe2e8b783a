using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// One direction of an LSTM layer over a packed batch (<see cref="LstmPlan"/>): the forward recurrence, which
/// keeps in arena scratch tensors what backpropagation through time needs, and that backward pass.
/// </summary>
/// <remarks>
/// <para>Forward: one GEMM projects every real token at once (Xp·Wihᵀ, [N, 4H]); then per step s a
/// [B_s, H]·[H, 4H] recurrent GEMM (Whhᵀ transposed once per pass into the work buffer when batches are large) over the B_s sequences still running, and the fused cell kernel
/// (<see cref="LstmKernels.ForwardRow"/>) per running sequence. The saved tensors are all in packed row order:
/// gate activations (i, f, g, o) [N, 4H], c₋₁ [N, H], tanh(c) [N, H] and h₋₁ [N, H].</para>
/// <para>Backward: per step (last first) the fused cell backward and a [B_s, 4H]·[4H, H] GEMM for dh₋₁; then
/// one GEMM each for dWhh = dGᵀ·H₋₁, dWih = dGᵀ·Xp and dXp = dG·Wih, and column sums for the biases.</para>
/// </remarks>
internal sealed unsafe class LstmDirection
{
    private readonly LstmPlan _plan;
    private readonly Tensor _wIh, _wHh;
    private readonly Tensor? _bIh, _bHh;
    private readonly bool _reverse;
    private readonly bool _wide;
    private readonly int _hidden, _input;
    private Tensor? _act, _cPrev, _tanhC, _hPrev, _work, _dGates;

    public LstmDirection(LstmPlan plan, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh, bool reverse)
    {
        _plan = plan;
        _wIh = wIh;
        _wHh = wHh;
        _bIh = bIh;
        _bHh = bHh;
        _reverse = reverse;

        // The cell kernels' width, read on the constructing thread (the recurrences may run on worker threads).
        _wide = KernelOverrides.Current.Wide ?? GemmWidth.Wide;
        _hidden = wHh.Shape[1];
        _input = wIh.Shape[1];
    }

    /// <summary>
    /// First forward phase: allocates the saved tensors ([B·T, ·] capacity) and the step work buffer, and projects the packed inputs
    /// <paramref name="xp"/> [N, I] in one GEMM (Xp·Wihᵀ → [N, 4H]).
    /// </summary>
    public void Project(ReadOnlySpan<float> xp)
    {
        Allocate();
        int n = _plan.Rows, g4 = 4 * _hidden;
        if (n > 0)
        {
            Gemm.Multiply(xp, false, _wIh.Span, true, _act!.Span, n, g4, _input, false);
        }
    }

    /// <summary>
    /// First forward phase for inputs that are rows of a table (<see cref="Ops.BiLstmLookup"/>): packed row r's input
    /// is <paramref name="rows"/>[<paramref name="local"/>[r]] ([count, I], the distinct rows). Projects the distinct
    /// rows once ([count, 4H]) and copies each packed row's projection, instead of projecting every packed row.
    /// <paramref name="capacity"/> (≥ count) sizes the scratch so that batches of one shape reuse the same arena buffers.
    /// </summary>
    public void ProjectRows(ReadOnlySpan<float> rows, int count, int capacity, ReadOnlySpan<int> local)
    {
        Allocate();
        int n = _plan.Rows, g4 = 4 * _hidden;
        if (n == 0)
        {
            return;
        }

        var projected = Tensor.Scratch(new Shape(capacity, g4));
        ReadOnlySpan<float> ps = projected.Span;
        Gemm.Multiply(rows, false, _wIh.Span, true, projected.Span, count, g4, _input, false);
        Span<float> act = _act!.Span;
        for (int r = 0; r < n; r++)
        {
            ps.Slice(local[r] * g4, g4).CopyTo(act.Slice(r * g4, g4));
        }
    }

    /// <summary>Allocates the saved tensors and the step work buffer of a forward pass.</summary>
    private void Allocate()
    {
        int h = _hidden, g4 = 4 * h;

        // Sized by the padded batch (B·T rows, B running rows), not by N = Σ lengths, so that batches of one shape
        // reuse the same arena buffers whatever their lengths; only the first N rows are used.
        int cap = _plan.Capacity, bmax = _plan.Batch;
        _act = Tensor.Scratch(new Shape(cap, g4));
        _cPrev = Tensor.Scratch(new Shape(cap, h));
        _tanhC = Tensor.Scratch(new Shape(cap, h));
        _hPrev = Tensor.Scratch(new Shape(cap, h));
        _work = Tensor.Scratch(new Shape(g4 + (bmax * (g4 + h + h)) + (h * g4)));
    }

    /// <summary>
    /// Second forward phase (after <see cref="Project"/>): the recurrence, writing h at each real position into
    /// <paramref name="y"/> [B, T, stride] at columns [col, col + H). Padding positions are not written.
    /// Allocates nothing, so it may run on any thread.
    /// </summary>
    public void Recur(Span<float> y, int stride, int col)
    {
        int n = _plan.Rows, h = _hidden, g4 = 4 * h, b0 = _plan.Steps == 0 ? 0 : _plan.BatchSizes[0];
        if (n == 0)
        {
            return;
        }

        // Work buffers: bias sum [4H], recurrent projection [B0, 4H], h and c state [B0, H] each.
        Span<float> ws = _work!.Span;
        Span<float> bias = ws[..g4];
        if (_bIh is not null && _bHh is not null)
        {
            TensorPrimitives.Add(_bIh.Span, _bHh.Span, bias);
        }
        else if (_bIh is not null || _bHh is not null)
        {
            (_bIh ?? _bHh)!.Span.CopyTo(bias);
        }
        else
        {
            bias.Clear();
        }

        Span<float> rec = ws.Slice(g4, b0 * g4);
        ws.Slice(g4 + (b0 * g4), 2 * b0 * h).Clear();

        // Whhᵀ [H, 4H], transposed once per pass when several steps take the packed GEMM path: those steps then read it
        // in place instead of packing the transposed weights at every step (the same sums in the same order). Small
        // batches (inference of one sentence) run the unpacked path, where the transpose would cost more than it saves.
        bool transposed = PackedSteps(h, g4) >= 2;
        Span<float> wT = transposed ? ws.Slice(g4 + (_plan.Batch * (g4 + h + h)), h * g4) : default;
        ReadOnlySpan<float> wHh = transposed ? wT : _wHh.Span;
        if (transposed)
        {
            ReadOnlySpan<float> w = _wHh.Span;
            for (int j = 0; j < g4; j++)
            {
                ReadOnlySpan<float> row = w.Slice(j * h, h);
                for (int p = 0; p < h; p++)
                {
                    wT[(p * g4) + j] = row[p];
                }
            }
        }

        int[] order = _plan.Order;
        int time = _plan.Time;
        fixed (float* pWork = ws, pAct = _act!.Span, pCp = _cPrev!.Span, pTc = _tanhC!.Span, pHp = _hPrev!.Span, pY = y)
        {
            float* pBias = pWork, pRec = pWork + g4, pH = pRec + (b0 * g4), pC = pH + (b0 * h);
            for (int s = 0; s < _plan.Steps; s++)
            {
                int bs = _plan.BatchSizes[s];
                if (s > 0)
                {
                    Gemm.Multiply(new ReadOnlySpan<float>(pH, bs * h), false, wHh, !transposed, rec[..(bs * g4)], bs, g4, h, false);
                }

                for (int r = 0; r < bs; r++)
                {
                    int pos = _plan.Position(r, s, _reverse);
                    long row = _plan.Offsets[pos] + r;
                    float* yRow = pY + ((((long)order[r] * time) + pos) * stride) + col;
                    LstmKernels.ForwardRow(
                        pAct + (row * g4), s > 0 ? pRec + ((long)r * g4) : null, pBias, pC + ((long)r * h), pH + ((long)r * h),
                        pCp + (row * h), pHp + (row * h), pTc + (row * h), yRow, h, _wide);
                }
            }
        }
    }

    /// <summary>
    /// The recurrent steps (after the first) whose [B_s, H]·[H, 4H] product is big enough for the packed GEMM path
    /// (more than <see cref="Gemm.SmallMaxWork"/> multiply-adds).
    /// </summary>
    private int PackedSteps(int h, int g4)
    {
        int count = 0;
        for (int s = 1; s < _plan.Steps; s++)
        {
            if ((long)_plan.BatchSizes[s] * g4 * h > Gemm.SmallMaxWork)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Allocates the gate-gradient buffer dG [N, 4H] for a backward pass. Call on the thread that owns the arena,
    /// before <see cref="BackwardRecur"/> (which may run on another thread).
    /// </summary>
    public void BeginBackward() => _dGates = Tensor.Scratch(new Shape(_plan.Capacity, 4 * _hidden));

    /// <summary>
    /// First backward phase (after <see cref="BeginBackward"/>): backpropagation through time.
    /// <paramref name="dy"/> [B, T, stride] holds the output gradient at columns [col, col + H). Leaves the
    /// pre-activation gate gradients dG [N, 4H] in the buffer. Allocates nothing, so it may run on any thread.
    /// </summary>
    public void BackwardRecur(ReadOnlySpan<float> dy, int stride, int col)
    {
        int n = _plan.Rows, h = _hidden, g4 = 4 * h, b0 = _plan.Steps == 0 ? 0 : _plan.BatchSizes[0];
        var dGates = _dGates ?? throw new InvalidOperationException("LstmDirection.BeginBackward must be called first.");
        if (n == 0)
        {
            return;
        }

        // Work: contiguous gate gradients of the running rows [B0, 4H], dh and dc carried to the previous step [B0, H] each.
        Span<float> ws = _work!.Span[..(b0 * (g4 + h + h))];
        ws[(b0 * g4)..].Clear();
        Span<float> dStep = ws[..(b0 * g4)];
        Span<float> dhRec = ws.Slice(b0 * g4, b0 * h);
        ReadOnlySpan<float> wHh = _wHh.Span;
        int[] order = _plan.Order;
        int time = _plan.Time;
        fixed (float* pWork = ws, pAct = _act!.Span, pCp = _cPrev!.Span, pTc = _tanhC!.Span, pDg = dGates.Span, pDy = dy)
        {
            float* pStep = pWork, pDh = pWork + (b0 * g4), pDc = pDh + (b0 * h);
            for (int s = _plan.Steps - 1; s >= 0; s--)
            {
                int bs = _plan.BatchSizes[s];
                for (int r = 0; r < bs; r++)
                {
                    int pos = _plan.Position(r, s, _reverse);
                    long row = _plan.Offsets[pos] + r;
                    float* dyRow = pDy + ((((long)order[r] * time) + pos) * stride) + col;
                    LstmKernels.BackwardRow(
                        pAct + (row * g4), pCp + (row * h), pTc + (row * h), dyRow, pDh + ((long)r * h), pDc + ((long)r * h),
                        pDg + (row * g4), pStep + ((long)r * g4), h, _wide);
                }

                if (s > 0)
                {
                    Gemm.Multiply(dStep[..(bs * g4)], false, wHh, false, dhRec[..(bs * h)], bs, h, g4, false);
                }
            }
        }
    }

    /// <summary>
    /// Second backward phase (after <see cref="BackwardRecur"/>): adds the weight and bias gradients into
    /// <paramref name="ctx"/>'s buffers; when <paramref name="dxp"/> is not empty, writes (or with
    /// <paramref name="accumulateDxp"/> adds) the packed input gradient [N, I] into it.
    /// </summary>
    public void BackwardWeights(BackwardContext ctx, ReadOnlySpan<float> xp, Span<float> dxp, bool accumulateDxp)
    {
        int n = _plan.Rows, g4 = 4 * _hidden;
        if (n == 0)
        {
            return;
        }

        Span<float> gWih = ctx.GradFor(_wIh);
        Span<float> gWhh = ctx.GradFor(_wHh);
        Span<float> gBih = _bIh is null ? default : ctx.GradFor(_bIh);
        Span<float> gBhh = _bHh is null ? default : ctx.GradFor(_bHh);
        ReadOnlySpan<float> dg = _dGates!.Span;
        bool biases = !gBih.IsEmpty || !gBhh.IsEmpty;
        // Column sums of dG in row order (deterministic), in the step buffer.
        Span<float> sum = biases ? _work!.Span[..g4] : default;
        if (!gWhh.IsEmpty && !gWih.IsEmpty)
        {
            // Both weight gradients share dGᵀ: packed once for both (and summed for the biases while packed) where
            // both products run blocked on this thread; the same bits as the separate products below.
            Gemm.MultiplyPairTransposedA(dg, _hPrev!.Span, gWhh, _hidden, xp, gWih, _input, g4, n, accumulate: true, sum);
        }
        else
        {
            if (!gWhh.IsEmpty)
            {
                Gemm.Multiply(dg, true, _hPrev!.Span, false, gWhh, g4, _hidden, n, true);
            }

            if (!gWih.IsEmpty)
            {
                Gemm.Multiply(dg, true, xp, false, gWih, g4, _input, n, true);
            }

            if (biases)
            {
                Gemm.ColumnSums(dg, g4, n, sum);
            }
        }

        AddBiasGradients(gBih, gBhh, sum);
        if (!dxp.IsEmpty)
        {
            Gemm.Multiply(dg, false, _wIh.Span, false, dxp, n, _input, g4, accumulateDxp);
        }
    }

    /// <summary>
    /// Second backward phase after <see cref="ProjectRows"/>: the gate gradients of the packed rows are first added
    /// up per distinct row (in packed row order, G [count, 4H]), then dWih += Gᵀ·rows and
    /// <paramref name="dRows"/> [count, I] gets (with <paramref name="accumulateDRows"/>: adds) G·Wih — products of
    /// count rows instead of N. dWhh and the biases as in <see cref="BackwardWeights"/>.
    /// </summary>
    public void BackwardWeightsRows(BackwardContext ctx, ReadOnlySpan<float> rows, int count, int capacity, ReadOnlySpan<int> local, Span<float> dRows, bool accumulateDRows)
    {
        int n = _plan.Rows, g4 = 4 * _hidden;
        if (n == 0)
        {
            return;
        }

        Span<float> gWih = ctx.GradFor(_wIh);
        Span<float> gWhh = ctx.GradFor(_wHh);
        Span<float> gBih = _bIh is null ? default : ctx.GradFor(_bIh);
        Span<float> gBhh = _bHh is null ? default : ctx.GradFor(_bHh);
        ReadOnlySpan<float> dg = _dGates!.Span;
        if (!gWhh.IsEmpty)
        {
            Gemm.Multiply(dg, true, _hPrev!.Span, false, gWhh, g4, _hidden, n, true);
        }

        if (!gBih.IsEmpty || !gBhh.IsEmpty)
        {
            Span<float> sum = _work!.Span[..g4];
            Gemm.ColumnSums(dg, g4, n, sum);
            AddBiasGradients(gBih, gBhh, sum);
        }

        if (gWih.IsEmpty && dRows.IsEmpty)
        {
            return;
        }

        var summed = Tensor.Scratch(new Shape(capacity, g4));
        Span<float> gs = summed.Span[..(count * g4)];
        gs.Clear();
        for (int r = 0; r < n; r++)
        {
            Span<float> dst = gs.Slice(local[r] * g4, g4);
            TensorPrimitives.Add(dst, dg.Slice(r * g4, g4), dst);
        }

        if (!gWih.IsEmpty)
        {
            Gemm.Multiply(gs, true, rows, false, gWih, g4, _input, count, true);
        }

        if (!dRows.IsEmpty)
        {
            Gemm.Multiply(gs, false, _wIh.Span, false, dRows, count, _input, g4, accumulateDRows);
        }
    }

    /// <summary>Adds the column sums of dG (<paramref name="sum"/>) to each bias gradient present (both biases get the same).</summary>
    private static void AddBiasGradients(Span<float> gBih, Span<float> gBhh, ReadOnlySpan<float> sum)
    {
        if (!gBih.IsEmpty)
        {
            TensorPrimitives.Add(gBih, sum, gBih);
        }

        if (!gBhh.IsEmpty)
        {
            TensorPrimitives.Add(gBhh, sum, gBhh);
        }
    }
}
