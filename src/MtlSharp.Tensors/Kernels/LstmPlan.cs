namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The packed layout of a padded batch of variable-length sequences, as in PyTorch's
/// <c>pack_padded_sequence(enforce_sorted=False)</c>: rows are sorted by length (descending, stable), and position
/// <c>t</c> holds the <see cref="BatchSizes"/>[t] sequences longer than <c>t</c> as one contiguous block of rows
/// starting at <see cref="Offsets"/>[t]. Sequence (sorted row) <c>r</c> at position <c>t</c> is packed row
/// <c>Offsets[t] + r</c>; only real tokens are stored (<see cref="Rows"/> = Σ lengths).
/// </summary>
/// <remarks>
/// Because lengths are sorted, the sequences still running at recurrence step <c>s</c> are always the prefix
/// [0, BatchSizes[s]) of sorted rows, in either direction: the forward direction handles position <c>s</c>, the
/// reverse direction position <c>Lengths[r] − 1 − s</c> of each row.
/// </remarks>
internal sealed class LstmPlan
{
    private LstmPlan(int batch, int time, int[] order, int[] lengths, int[] batchSizes, int[] offsets)
    {
        Batch = batch;
        Time = time;
        Order = order;
        Lengths = lengths;
        BatchSizes = batchSizes;
        Offsets = offsets;
        Steps = batchSizes.Length;
        Rows = offsets[^1];
    }

    /// <summary>B, the padded batch size.</summary>
    public int Batch { get; }

    /// <summary>T, the padded length.</summary>
    public int Time { get; }

    /// <summary>The longest length (number of recurrence steps).</summary>
    public int Steps { get; }

    /// <summary>N = Σ lengths, the number of packed rows.</summary>
    public int Rows { get; }

    /// <summary>B·T, the most packed rows a batch of this shape can have (scratch buffers are sized by it).</summary>
    public int Capacity => Batch * Time;

    /// <summary>Sorted row → batch index.</summary>
    public int[] Order { get; }

    /// <summary>Length of each sorted row (descending).</summary>
    public int[] Lengths { get; }

    /// <summary>Number of sequences longer than t, for t in [0, Steps).</summary>
    public int[] BatchSizes { get; }

    /// <summary>First packed row of position t, for t in [0, Steps]; the last entry is <see cref="Rows"/>.</summary>
    public int[] Offsets { get; }

    /// <summary>Validates <paramref name="lengths"/> (B values in [0, T]) and builds the layout.</summary>
    public static LstmPlan Create(string op, ReadOnlySpan<int> lengths, int batch, int time)
    {
        if (lengths.Length != batch)
        {
            throw new ArgumentException($"{op}: expected {batch} lengths (one per batch row of x), got {lengths.Length}.", nameof(lengths));
        }

        int maxLen = 0;
        for (int b = 0; b < batch; b++)
        {
            int len = lengths[b];
            if (len < 0 || len > time)
            {
                throw new ArgumentOutOfRangeException(nameof(lengths), $"{op}: lengths[{b}] = {len} is outside [0, {time}] (T = {time}).");
            }

            maxLen = Math.Max(maxLen, len);
        }

        // Stable counting sort by descending length.
        int[] start = new int[time + 2];
        for (int b = 0; b < batch; b++)
        {
            start[time - lengths[b] + 1]++;
        }

        for (int i = 1; i < start.Length; i++)
        {
            start[i] += start[i - 1];
        }

        int[] order = new int[batch];
        int[] sorted = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            int slot = start[time - lengths[b]]++;
            order[slot] = b;
            sorted[slot] = lengths[b];
        }

        int[] batchSizes = new int[maxLen];
        int[] offsets = new int[maxLen + 1];
        int bs = batch;
        for (int t = 0; t < maxLen; t++)
        {
            while (bs > 0 && sorted[bs - 1] <= t)
            {
                bs--;
            }

            batchSizes[t] = bs;
            offsets[t + 1] = offsets[t] + bs;
        }

        return new LstmPlan(batch, time, order, sorted, batchSizes, offsets);
    }

    /// <summary>Packed row of sorted row <paramref name="r"/> at recurrence step <paramref name="s"/>.</summary>
    public int PackedRow(int r, int s, bool reverse) => Offsets[reverse ? Lengths[r] - 1 - s : s] + r;

    /// <summary>Position (time index in the padded batch) of sorted row <paramref name="r"/> at step <paramref name="s"/>.</summary>
    public int Position(int r, int s, bool reverse) => reverse ? Lengths[r] - 1 - s : s;

    /// <summary>Copies the real rows of x [B, T, width] into packed [N, width].</summary>
    public void Gather(ReadOnlySpan<float> x, int width, Span<float> packed)
    {
        for (int t = 0; t < Steps; t++)
        {
            int bs = BatchSizes[t], off = Offsets[t];
            for (int r = 0; r < bs; r++)
            {
                x.Slice(((Order[r] * Time) + t) * width, width).CopyTo(packed.Slice((off + r) * width, width));
            }
        }
    }

    /// <summary>Adds packed [N, width] rows into their places in dx [B, T, width] (padding untouched).</summary>
    public void ScatterAdd(ReadOnlySpan<float> packed, int width, Span<float> dx)
    {
        for (int t = 0; t < Steps; t++)
        {
            int bs = BatchSizes[t], off = Offsets[t];
            for (int r = 0; r < bs; r++)
            {
                Span<float> dst = dx.Slice(((Order[r] * Time) + t) * width, width);
                System.Numerics.Tensors.TensorPrimitives.Add(dst, packed.Slice((off + r) * width, width), dst);
            }
        }
    }

    /// <summary>
    /// Zeroes, in out [B, T, stride], the <paramref name="width"/> columns from <paramref name="col"/> at every
    /// padding position (t ≥ length).
    /// </summary>
    public void ZeroPadding(Span<float> output, int stride, int col, int width)
    {
        for (int r = 0; r < Batch; r++)
        {
            int b = Order[r];
            for (int t = Lengths[r]; t < Time; t++)
            {
                output.Slice((((b * Time) + t) * stride) + col, width).Clear();
            }
        }
    }
}
