using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Tagging;

namespace MtlSharp.MultiTask.Evaluation;

/// <summary>Token accuracy of every tagging task on a dev and a test set of sentences (<see cref="TaggingMetrics"/>).</summary>
public sealed class TaggingEvaluator(SentenceBatcher batcher, IReadOnlyList<TaggedSentence> dev, IReadOnlyList<TaggedSentence> test, int batchSize = 64) : IEvaluator
{
    /// <summary>How the run turns sentences into batches: its word and character vocabularies and tag sets.</summary>
    public SentenceBatcher Batcher => batcher;

    /// <inheritdoc/>
    public bool HasValidation => dev.Count > 0;

    /// <inheritdoc/>
    public string SplitName(EvaluationSplit split) => split == EvaluationSplit.Validation ? "dev" : "test";

    /// <inheritdoc/>
    public double[] Evaluate(IMultiTaskModel model, EvaluationSplit split)
    {
        var tagger = (model as TaggerModel)?.Tagger ?? throw new ArgumentException("The tagging evaluator needs a TaggerModel.", nameof(model));
        return TaggingMetrics.Accuracies(tagger, batcher, split == EvaluationSplit.Validation ? dev : test, batchSize);
    }
}
