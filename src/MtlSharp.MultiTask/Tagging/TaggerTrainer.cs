using System.Diagnostics;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Weighting;
using MtlSharp.NN;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Tagging;

/// <summary>
/// Trains a <see cref="SequenceTagger"/> (spec B5, D16): every epoch the training sentences are shuffled and cut
/// into batches (sentences of similar length batched together, batch order shuffled), each update minimises the
/// weighted task losses (<see cref="ILossWeighting"/>) plus the orthogonality penalty; after each epoch the
/// main task's (task 0) dev accuracy decides early stopping (patience), and the best epoch's weights are kept.
/// </summary>
public sealed class TaggerTrainer
{
    private readonly SequenceTagger _model;
    private readonly ILossWeighting _weighting;
    private readonly SentenceBatcher _batcher;
    private readonly TaggerTrainingOptions _options;
    private readonly Parameter[] _parameters;
    private readonly IOptimizer _optimizer;
    private TensorArena _arena = new();
    private long _steps;

    /// <summary>Creates the trainer (and its optimizer over the model's and the strategy's parameters).</summary>
    public TaggerTrainer(SequenceTagger model, ILossWeighting weighting, SentenceBatcher batcher, TaggerTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weighting);
        ArgumentNullException.ThrowIfNull(batcher);
        ArgumentNullException.ThrowIfNull(options);
        _model = model;
        _weighting = weighting;
        _batcher = batcher;
        _options = options;
        _parameters = [.. model.Parameters(), .. weighting.Parameters];
        var groups = new List<OptimizerGroup> { new(model.Parameters(), options.LearningRate) };
        if (weighting.Parameters.Count > 0)
        {
            groups.Add(new OptimizerGroup(weighting.Parameters, options.LearningRate * options.StrategyLearningRateScale));
        }

        _optimizer = options.Adam ? new Adam(groups) : new Sgd(groups);
    }

    /// <summary>Steps between arena renewals (see <see cref="Step"/>).</summary>
    public const int ArenaRenewal = 32;

    /// <summary>Trains on <paramref name="train"/>, stopping on <paramref name="dev"/>; the model ends with the best epoch's weights.</summary>
    public TaggerOutcome Train(IReadOnlyList<TaggedSentence> train, IReadOnlyList<TaggedSentence> dev, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(dev);
        var rng = new Rng(_options.Seed);
        var devCurve = new List<double[]>();
        var lossCurve = new List<double[]>();
        float[][]? best = null;
        double bestDev = double.NegativeInfinity;
        int bestEpoch = 0, sinceBest = 0, epoch = 0;
        long tokens = 0, updates = 0;
        var clock = new Stopwatch();
        bool cancelled = false;
        while (epoch < _options.MaxEpochs && !cancelled)
        {
            epoch++;
            _model.Train();
            double[] lossSum = new double[_model.Tasks];
            int batches = 0;
            clock.Start();
            foreach (int[] indices in EpochBatches(train, rng))
            {
                if (cancellation.IsCancellationRequested)
                {
                    cancelled = true;
                    break;
                }

                var batch = _batcher.Create(train, indices);
                Step(batch, rng, lossSum, updates);
                tokens += batch.NumTokens;
                updates++;
                batches++;
            }

            clock.Stop();
            lossCurve.Add(lossSum.Select(v => v / Math.Max(batches, 1)).ToArray());
            double[] acc = TaggingMetrics.Accuracies(_model, _batcher, dev, _options.EvalBatchSize);
            devCurve.Add(acc);
            progress?.Report($"epoch {epoch}: loss {string.Join(" ", lossCurve[^1].Select(v => v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}, dev acc {string.Join(" ", acc.Select(v => v.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}, {tokens / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):F0} tok/s");
            if (acc[0] > bestDev)
            {
                bestDev = acc[0];
                bestEpoch = epoch;
                sinceBest = 0;
                best = Snapshot();
            }
            else
            {
                sinceBest++;
                if (sinceBest > _options.Patience - 1)
                {
                    break;
                }
            }
        }

        if (best is not null)
        {
            Restore(best);
        }

        return new TaggerOutcome
        {
            Epochs = epoch,
            BestEpoch = bestEpoch,
            BestDevAccuracy = bestDev,
            DevAccuracy = devCurve,
            TrainLoss = lossCurve,
            TrainSeconds = clock.Elapsed.TotalSeconds,
            TrainTokens = tokens,
            Updates = updates,
            Cancelled = cancelled,
        };
    }

    /// <summary>One update on <paramref name="batch"/>; adds each task's loss to <paramref name="lossSum"/>.</summary>
    public void Step(SentenceBatch batch, Rng rng, double[] lossSum, long step)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(lossSum);

        // The arena pools buffers by exact length; batches of varying B·T and character counts keep asking for new
        // lengths, so a long-lived arena grows without bound (12+ GB after a few epochs). A fresh arena every
        // ArenaRenewal steps keeps most of the reuse and bounds the memory.
        if (++_steps % ArenaRenewal == 0)
        {
            _arena = new TensorArena();
        }

        using (_arena.Enter())
        {
            int[] words = WordIds(batch, rng);
            var loss = Loss(batch, words, rng, lossSum, step);
            _optimizer.ZeroGrad();
            Autograd.Backward(loss);
            if (_options.ClipNorm > 0)
            {
                GradClip.ClipGlobalNorm(_parameters, _options.ClipNorm);
            }

            _optimizer.Step();
        }
    }

    /// <summary>
    /// The training objective of one batch: Σ_m weighting(L_m) + w·R, where L_m sums task m's token losses per
    /// sentence and averages over the batch's sentences.
    /// </summary>
    public Tensor Loss(SentenceBatch batch, int[] wordIds, Rng rng, double[] lossSum, long step)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(lossSum);
        var logits = _model.Forward(batch, wordIds, rng);
        var losses = new Tensor[_model.Tasks];
        var tokens = new float[_model.Tasks];
        for (int m = 0; m < losses.Length; m++)
        {
            float labelled = System.Numerics.Tensors.TensorPrimitives.Sum(batch.TagMasks[m]);
            var mean = Ops.CrossEntropy(logits[m], batch.TagIds[m], batch.TagMasks[m]);
            tokens[m] = labelled / batch.BatchSize;
            losses[m] = Ops.Scale(mean, tokens[m]);
            lossSum[m] += LossGuard.Check(losses[m], step, m);
        }

        // Each L_m sums the labelled tokens of a sentence: tell the weighting how many observations that is.
        var total = _weighting.Combine(losses, tokens);
        float w = _model.Config.OrthogonalityWeight;
        if (w > 0)
        {
            total = Ops.Add(total, Ops.Scale(_model.OrthogonalityPenalty(), w));
        }

        return total;
    }

    private int[] WordIds(SentenceBatch batch, Rng rng)
    {
        if (_options.WordDropout <= 0)
        {
            return batch.WordIds;
        }

        int[] ids = (int[])batch.WordIds.Clone();
        int unk = _batcher.Words.UnknownId;
        for (int i = 0; i < ids.Length; i++)
        {
            if (batch.Mask[i] != 0f && rng.NextFloat() < _options.WordDropout)
            {
                ids[i] = unk;
            }
        }

        return ids;
    }

    /// <summary>
    /// One epoch of batches: a random order, cut into pools of 20 batches whose sentences are sorted by length (less
    /// padding), then the batches of all pools in random order.
    /// </summary>
    private List<int[]> EpochBatches(IReadOnlyList<TaggedSentence> train, Rng rng)
    {
        int[] order = rng.Permutation(train.Count);
        int n = Math.Max(1, (int)Math.Round(order.Length * Math.Clamp(_options.EpochFraction, 0, 1)));
        int bs = _options.BatchSize, pool = bs * 20;
        var batches = new List<int[]>();
        for (int start = 0; start < n; start += pool)
        {
            int len = Math.Min(pool, n - start);
            var chunk = order.AsSpan(start, len).ToArray();
            Array.Sort(chunk, (a, b) => train[a].Length.CompareTo(train[b].Length));
            for (int i = 0; i < len; i += bs)
            {
                batches.Add(chunk.AsSpan(i, Math.Min(bs, len - i)).ToArray());
            }
        }

        var shuffled = rng.Permutation(batches.Count);
        return shuffled.Select(i => batches[i]).ToList();
    }

    private float[][] Snapshot() => _parameters.Select(p => p.Data.ToArray()).ToArray();

    private void Restore(float[][] values)
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            values[i].CopyTo(_parameters[i].Data);
        }
    }
}
