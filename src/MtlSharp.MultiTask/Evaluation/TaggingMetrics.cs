using MtlSharp.Data.Text;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

using MtlSharp.MultiTask.Models.Tagging;

namespace MtlSharp.MultiTask.Evaluation;

/// <summary>Token-level accuracy of a <see cref="SequenceTagger"/> (spec B5: the metric of every task).</summary>
public static class TaggingMetrics
{
    /// <summary>
    /// Per task, the fraction of tokens (with that task's column) whose arg-max tag equals the gold tag, over
    /// <paramref name="sentences"/>; NaN for a task with no labelled token. Runs in evaluation mode without
    /// recording gradients, and restores the model's mode.
    /// </summary>
    public static double[] Accuracies(SequenceTagger model, SentenceBatcher batcher, IReadOnlyList<TaggedSentence> sentences, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batcher);
        ArgumentNullException.ThrowIfNull(sentences);
        bool wasTraining = model.IsTraining;
        model.Eval();
        long[] correct = new long[model.Tasks], total = new long[model.Tasks];
        var arena = new TensorArena();
        try
        {
            using var noGrad = Autograd.NoGrad();
            // Sentences sorted by length, so batches carry little padding.
            int[] order = Enumerable.Range(0, sentences.Count).OrderBy(i => sentences[i].Length).ToArray();
            for (int start = 0, k = 0; start < order.Length; start += batchSize, k++)
            {
                if (k % 16 == 15)
                {
                    arena = new TensorArena();   // bound the pool (see TaggingExperiments.ArenaRenewal)
                }

                var batch = batcher.Create(sentences, order.AsSpan(start, Math.Min(batchSize, order.Length - start)));
                using (arena.Enter())
                {
                    var logits = model.Forward(batch, batch.WordIds);
                    for (int m = 0; m < model.Tasks; m++)
                    {
                        Count(logits[m], batch.TagIds[m], batch.TagMasks[m], ref correct[m], ref total[m]);
                    }
                }
            }
        }
        finally
        {
            model.Train(wasTraining);
        }

        var acc = new double[model.Tasks];
        for (int m = 0; m < acc.Length; m++)
        {
            acc[m] = total[m] == 0 ? double.NaN : (double)correct[m] / total[m];
        }

        return acc;
    }

    private static void Count(Tensor logits, int[] gold, float[] mask, ref long correct, ref long total)
    {
        int n = logits.Shape[0], c = logits.Shape[1];
        ReadOnlySpan<float> l = logits.Span;
        for (int i = 0; i < n; i++)
        {
            if (mask[i] == 0f)
            {
                continue;
            }

            int best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(l.Slice(i * c, c));
            total++;
            if (best == gold[i])
            {
                correct++;
            }
        }
    }
}
