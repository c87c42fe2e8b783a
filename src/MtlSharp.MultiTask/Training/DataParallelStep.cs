using System.Buffers.Binary;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Training;

/// <summary>
/// The loop's side of data parallelism (<see cref="TrainerOptions.GradientReducer"/>). Every process draws the same
/// whole batch (same sampler, data and RNG state) and keeps its share of the rows: rank r of R takes rows
/// [r·B/R, (r+1)·B/R) of every part (one-task-per-batch samplers: the same task on every rank; sentence batches: its
/// sentences, keeping the whole batch's padded length, with the targets' tokens). Then:
/// <list type="bullet">
/// <item>each task loss of the share is scaled by the share's fraction of the batch's labelled rows (tagging, whose loss
/// is summed over tokens and averaged over sentences: by its fraction of the sentences), so the sum over
/// processes of the gradients is the gradient of the whole batch's mean loss; its value is replaced by the whole
/// batch's loss (gathered, summed in rank order), so loss weightings, step-aware weightings, logs and aggregators see
/// the same numbers on every process (strategy parameters then get the same gradient everywhere and are not summed);</item>
/// <item>regularisers are scaled by 1/R (exact for regularisers of the parameters alone);</item>
/// <item>a request to stop (cancellation) travels with the losses, so every process stops after the same update;</item>
/// <item>after the backward pass the gradients of the model's parameters (and an aggregator's per-task gradient rows)
/// are summed over the processes in one all-reduce, over the union of the parameters that have a gradient anywhere;
/// representation gradients (per row) are gathered instead: every process aggregates the whole batch's matrix and
/// back-propagates its rows' part of the direction;</item>
/// <item>noise drawn per row (dropout masks, noisy gates) is drawn for the whole batch from the shared stream and each
/// process keeps its rows' (the share's <see cref="RowShare"/> travels with its <see cref="TensorInput"/>), so the
/// processes together use the noise of one process with the whole batch and their streams advance alike; the stream
/// is also set to rank 0's after every step.</item>
/// </list>
/// </summary>
internal sealed class DataParallelStep
{
    private readonly IGradientReducer _reducer;
    private readonly Parameter[] _parameters;
    private readonly Dictionary<BatchInput, BatchInput> _inputs = new(ReferenceEqualityComparer.Instance);
    private float[] _factors = [];
    private float[] _observations = [];   // tagging: the whole batch's labelled tokens per sentence (NaN: the share's own)
    private bool[] _globalLabelled = [];
    private float[] _buffer = [];
    private byte[] _mine = [];
    private byte[] _all = [];
    private float[] _mask = [];
    private int[] _counts = [];
    private float[] _send = [];
    private float[] _gathered = [];
    private GradientMatrix? _whole;

    public DataParallelStep(IGradientReducer reducer, IEnumerable<Parameter> modelParameters, TrainerOptions options)
    {
        _reducer = reducer;
        _parameters = [.. modelParameters];
        if (reducer.Size < 1 || (uint)reducer.Rank >= (uint)reducer.Size)
        {
            throw new ArgumentException($"Rank {reducer.Rank} of {reducer.Size} processes.", nameof(reducer));
        }

    }

    /// <summary>Whether this process has been asked to stop (Ctrl-C, SIGTERM); sent with the next update's losses.</summary>
    public bool StopWanted { get; set; }

    /// <summary>
    /// Whether some process asked to stop by the latest update: the same on every process after that update, so all
    /// stop after the same update (one stop request costs no collective of its own).
    /// </summary>
    public bool StopAgreed { get; private set; }

    /// <summary>The rows of the first part of the latest batch (the whole batch, before sharing).</summary>
    public int BatchRows { get; private set; }

    /// <summary>This process's share of <paramref name="batch"/>; remembers each part's fraction of labelled rows.</summary>
    public MultiTaskBatch Share(MultiTaskBatch batch)
    {
        _inputs.Clear();
        if (_factors.Length < batch.Parts.Count)
        {
            _factors = new float[batch.Parts.Count];
            _observations = new float[batch.Parts.Count];
            _globalLabelled = new bool[batch.Parts.Count];
        }

        var parts = new TaskBatch[batch.Parts.Count];
        BatchRows = batch.Parts[0].Input is TensorInput first ? first.Value.Shape[0] : 0;
        for (int i = 0; i < parts.Length; i++)
        {
            var part = batch.Parts[i];
            int rows = part.Input switch
            {
                TensorInput dense => dense.Value.Shape[0],
                SentenceInput sentences => sentences.Value.BatchSize,
                _ => throw new NotSupportedException($"Data-parallel training splits dense inputs by rows and sentence batches by sentences; a {part.Input.GetType().Name} is not supported yet."),
            };
            var (start, count) = Range(rows);
            bool standIn = count == 0;
            if (standIn)
            {
                // Fewer sentences than processes (an epoch's last batch can be short): this process computes the
                // batch's last sentence with weight 0, so that it takes part in every collective alike.
                if (part.Input is not SentenceInput || rows == 0)
                {
                    throw new ArgumentException($"A batch of {rows} rows cannot be shared by {_reducer.Size} processes; use a batch of at least one row per process.");
                }

                (start, count) = (rows - 1, 1);
            }

            if (!_inputs.TryGetValue(part.Input, out var mine))
            {
                mine = part.Input is TensorInput d
                    ? new TensorInput(SliceRows(d.Value, start, count), new RowShare(start, count, rows))
                    : ((SentenceInput)part.Input).Share(start, count);
                _inputs[part.Input] = mine;
            }

            var targets = SliceTargets(part.Targets, rows, start, count);
            float global = part.Targets.Labelled;
            _globalLabelled[i] = global > 0;
            if (part.Targets.Sequences > 0)
            {
                // Tagging: Σ labelled-token losses / sentences (TaskLoss). The share's loss divides by its own
                // sentences; scaled by its fraction of the batch's sentences, the shares' losses add up to the whole
                // batch's (over the whole batch's sentences, not over this share's tokens).
                _factors[i] = standIn ? 0f : (float)targets.Sequences / part.Targets.Sequences;
                _observations[i] = global / part.Targets.Sequences;
            }
            else
            {
                _factors[i] = global > 0 ? targets.Labelled / global : 0f;
                _observations[i] = float.NaN;
            }

            parts[i] = new TaskBatch(part.Task, mine, targets);
        }

        return new MultiTaskBatch(parts);
    }

    /// <summary>Rows [start, start + count) of <paramref name="rows"/> that this process computes.</summary>
    public (int Start, int Count) Range(int rows) => Range(rows, _reducer.Rank);

    private (int Start, int Count) Range(int rows, int rank)
    {
        int start = (int)((long)rows * rank / _reducer.Size);
        int end = (int)((long)rows * (rank + 1) / _reducer.Size);
        return (start, end - start);
    }

    /// <summary>
    /// One collective after the forward pass: every process's scaled losses, random-stream state and stop request are
    /// gathered; the losses become the whole batch's (value) with this share's gradient, the stream continues from
    /// rank 0's, and <see cref="StopAgreed"/> becomes true if any process asked to stop.
    /// <paramref name="losses"/>[i] is part i's loss on this share (null: no labelled row here); on return it is the
    /// part's loss for the objective (null only where no process has a labelled row).
    /// </summary>
    public void AgreeLosses(Span<(Tensor Loss, float Observations)?> losses, Rng noise)
    {
        int parts = losses.Length;
        int size = 8 * parts + 40;
        if (_mine.Length != size)
        {
            _mine = new byte[size];
            _all = new byte[size * _reducer.Size];
        }

        for (int i = 0; i < parts; i++)
        {
            double v = losses[i] is { } l ? (double)l.Loss.Span[0] * _factors[i] : 0.0;
            BinaryPrimitives.WriteDoubleLittleEndian(_mine.AsSpan(8 * i), v);
        }

        ulong[] state = noise.SaveState();
        for (int k = 0; k < 4; k++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_mine.AsSpan(8 * parts + 8 * k), state[k]);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(_mine.AsSpan(8 * parts + 32), StopWanted ? 1UL : 0UL);
        _reducer.Gather(_mine, _all);
        for (int r = 0; r < _reducer.Size; r++)
        {
            StopAgreed |= BinaryPrimitives.ReadUInt64LittleEndian(_all.AsSpan((r * size) + (8 * parts) + 32)) != 0;
        }

        for (int i = 0; i < parts; i++)
        {
            double sum = 0;
            for (int r = 0; r < _reducer.Size; r++)
            {
                sum += BinaryPrimitives.ReadDoubleLittleEndian(_all.AsSpan(r * size + 8 * i));
            }

            float value = (float)sum;
            if (losses[i] is { } l)
            {
                // The share's gradient (scaled by its fraction of the labelled rows) with the whole batch's value; the
                // backward passes of Scale and AddScalar do not read their output, so setting it is safe.
                var scaled = Ops.AddScalar(Ops.Scale(l.Loss, _factors[i]), 0f);
                scaled.Span[0] = value;
                losses[i] = (scaled, float.IsNaN(_observations[i]) ? l.Observations : _observations[i]);
            }
            else if (_globalLabelled[i])
            {
                // No labelled row in this share but some in another's: the loss is a constant here.
                losses[i] = (Tensor.Scalar(value), float.IsNaN(_observations[i]) ? 1f : _observations[i]);
            }
        }

        for (int k = 0; k < 4; k++)
        {
            state[k] = BinaryPrimitives.ReadUInt64LittleEndian(_all.AsSpan(8 * parts + 8 * k));
        }

        noise.RestoreState(state);
    }

    /// <summary>
    /// Representation gradients: the per-task gradients with respect to this share's rows of the representation
    /// (<paramref name="local"/>: one row per task, <paramref name="width"/> values per batch row) gathered from every
    /// process in rank order (<c>MPI_Allgatherv</c>), i.e. in row order, into the whole batch's matrix — the same on
    /// every process and the matrix one process with the whole batch forms, so every process aggregates alike.
    /// </summary>
    public GradientMatrix GatherRepresentation(GradientMatrix local, int width)
    {
        int tasks = local.Rows, size = _reducer.Size;
        if (_counts.Length != size)
        {
            _counts = new int[size];
        }

        long total = 0;
        for (int r = 0; r < size; r++)
        {
            var (_, count) = Range(BatchRows, r);
            _counts[r] = checked(tasks * count * width);
            total += _counts[r];
        }

        var (_, mine) = Range(BatchRows, _reducer.Rank);
        if (local.Columns != mine * width || total > Array.MaxLength)
        {
            throw new InvalidOperationException($"The representation has {local.Columns} values for {mine} rows of width {width}, or the batch's {total} are too many to gather.");
        }

        if (_send.Length != _counts[_reducer.Rank])
        {
            _send = new float[_counts[_reducer.Rank]];
        }

        if (_gathered.Length != total)
        {
            _gathered = new float[total];
        }

        for (int i = 0; i < tasks; i++)
        {
            local.Row(i).CopyTo(_send.AsSpan(i * local.Columns));
        }

        _reducer.GatherVarying(_send, _gathered, _counts);
        int columns = checked(BatchRows * width);
        _whole = _whole is { } w && w.Columns == columns ? w : new GradientMatrix(tasks, columns);
        _whole.Resize(tasks);
        _whole.SampleWidth = width;
        int at = 0;
        for (int r = 0; r < size; r++)
        {
            var (start, count) = Range(BatchRows, r);
            for (int i = 0; i < tasks; i++)
            {
                _gathered.AsSpan(at, count * width).CopyTo(_whole.Row(i).Slice(start * width));
                at += count * width;
            }
        }

        return _whole;
    }

    /// <summary>A regulariser's share: 1/R of it on every process.</summary>
    public Tensor ShareRegularization(Tensor term) => _reducer.Size == 1 ? term : Ops.Scale(term, 1f / _reducer.Size);

    /// <summary>
    /// Sums over the processes the gradients of the model's parameters and, when given, the aggregator's per-task
    /// gradient rows (one all-reduce after one small one that agrees on which parameters have a gradient).
    /// </summary>
    public void Reduce(GradientMatrix? matrix)
    {
        if (_mask.Length != _parameters.Length)
        {
            _mask = new float[_parameters.Length];
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            _mask[i] = _parameters[i].HasGrad ? 1f : 0f;
        }

        _reducer.Sum(_mask);
        long length = matrix is null ? 0 : (long)matrix.Rows * matrix.Columns;
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_mask[i] > 0)
            {
                if (!_parameters[i].HasGrad)
                {
                    _parameters[i].Grad.Clear();   // has a gradient on another process: starts from zero here
                }

                length += _parameters[i].Length;
            }
        }

        if (length > Array.MaxLength)
        {
            throw new NotSupportedException($"{length} gradient values are too many for one all-reduce buffer.");
        }

        if (_buffer.Length != length)
        {
            _buffer = new float[length];
        }

        var buffer = _buffer.AsSpan();
        int at = 0;
        for (int r = 0; r < (matrix?.Rows ?? 0); r++)
        {
            matrix!.Row(r).CopyTo(buffer[at..]);
            at += matrix.Columns;
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_mask[i] > 0)
            {
                _parameters[i].Grad.CopyTo(buffer[at..]);
                at += _parameters[i].Length;
            }
        }

        _reducer.Sum(buffer);
        at = 0;
        for (int r = 0; r < (matrix?.Rows ?? 0); r++)
        {
            buffer.Slice(at, matrix!.Columns).CopyTo(matrix.Row(r));
            at += matrix.Columns;
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_mask[i] > 0)
            {
                buffer.Slice(at, _parameters[i].Length).CopyTo(_parameters[i].Grad);
                at += _parameters[i].Length;
            }
        }
    }

    private static Tensor SliceRows(Tensor value, int start, int count)
    {
        var dims = value.Shape.Dims.ToArray();
        int width = value.Length / dims[0];
        dims[0] = count;
        var slice = Tensor.Scratch(new Shape(dims));
        value.Span.Slice(start * width, count * width).CopyTo(slice.Span);
        return slice;
    }

    private static TaskTargets SliceTargets(TaskTargets t, int rows, int start, int count)
    {
        if (t.Rows % rows != 0 || (t.Sequences != 0 && t.Sequences != rows))
        {
            throw new NotSupportedException($"Data-parallel training splits targets by rows; targets of {t.Rows} entries ({t.Sequences} sentences) for {rows} input rows are not supported.");
        }

        int w = t.Rows / rows;   // 1 per row, or a sentence's padded tokens
        return new TaskTargets(
            t.Labels?.AsSpan(start * w, count * w).ToArray(),
            t.Values?.AsSpan(start * w, count * w).ToArray(),
            t.Mask?.AsSpan(start * w, count * w).ToArray(),
            t.Sequences == 0 ? 0 : count);
    }
}
