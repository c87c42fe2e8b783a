namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Image classification tasks drawn from several datasets at one image size (<c>data.type</c> "image-tasks"; the
/// Gumbel-Matrix paper's task clusters, spec A10(f)): every task names its dataset (<c>tasks[i].dataset</c>); a task
/// of an IDX dataset classifies its classes, all of them or all but one (<c>leaveOut</c>: that class's images are left
/// out and the classes above it move down by one), a task of Omniglot classifies the characters of one alphabet (its
/// <c>column</c>, default its name). IDX images are resized bilinearly, Omniglot drawings area-averaged, to
/// <see cref="Size"/>×<see cref="Size"/>; the tasks of one dataset share its image arrays.
/// </summary>
public sealed record ImageTasksSource : DataSource
{
    /// <summary>Image side in pixels, for every dataset.</summary>
    public required int Size { get; init; }

    /// <summary>The datasets, by name, in the configuration's order.</summary>
    public required IReadOnlyList<KeyValuePair<string, ImageDatasetSpec>> Datasets { get; init; }

    /// <summary>Pad-and-crop augmentation of the training batches, or null.</summary>
    public PadCropSpec? Augment { get; init; }

    /// <summary>Use only the first this many training examples of each task (null: all).</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Use only the first this many validation and test examples of each task (null: all).</summary>
    public int? EvaluationLimit { get; init; }

    /// <summary>The dataset named <paramref name="name"/>, or null.</summary>
    public ImageDatasetSpec? Dataset(string name) => Datasets.FirstOrDefault(kv => kv.Key == name).Value;
}
