namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// One task's examples of one split, of any input type (sentences, bags of trigrams, images, table rows): the input
/// and the targets of any set of rows. The sources of <see cref="ExampleTrainingData"/> and
/// <see cref="Evaluation.ExampleEvaluator"/>.
/// </summary>
public interface ITaskExamples
{
    /// <summary>Examples.</summary>
    int Count { get; }

    /// <summary>The input of <paramref name="rows"/>, in that order.</summary>
    BatchInput Input(int[] rows);

    /// <summary>The targets of <paramref name="rows"/>, in that order.</summary>
    TaskTargets Targets(int[] rows);
}
