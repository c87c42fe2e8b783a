using System.Globalization;
using MtlSharp.Data.Images;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Tasks;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// The tasks of image-tasks data (<see cref="ImageTasksSource"/>): each dataset a task uses is read once, at the
/// source's size, and every task of an IDX dataset is an index into that dataset's one image array per split (a
/// leave-one-class-out task skips the left-out class's images and relabels the classes above it one down), so ten
/// leave-one-out tasks of MNIST hold one copy of its images, not ten. Omniglot tasks are split per character as the
/// omniglot source splits them.
/// </summary>
internal static class ImageTaskSet
{
    /// <summary>The tasks of <paramref name="specs"/> (each naming a dataset of <paramref name="s"/>), in order, and the input shape.</summary>
    public static (TaskData[] Tasks, int[] InputShape) Load(ImageTasksSource s, IReadOnlyList<TaskSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(specs);
        int[] shape = [1, s.Size, s.Size];
        var tasks = new TaskData?[specs.Count];
        var used = specs.Select((t, i) => (Spec: t, Index: i, Dataset: Dataset(s, t))).GroupBy(x => x.Spec.Dataset!, StringComparer.Ordinal);
        foreach (var group in used)
        {
            var ds = group.First().Dataset;
            if (ds.Kind == ImageDatasetKind.Omniglot)
            {
                // All the alphabets of one dataset in one pass over its archives.
                string[] names = [.. group.Select(x => x.Spec.Column ?? x.Spec.Name).Distinct(StringComparer.Ordinal)];
                var loaded = Omniglot.Load(ds.Path, names, s.Size);
                foreach (var (spec, index, _) in group)
                {
                    var alphabet = loaded[Array.IndexOf(names, spec.Column ?? spec.Name)];
                    var split = alphabet.Split(ds.Train, ds.Valid);
                    TaskSplit Of(LabeledImages images, int? limit)
                    {
                        var whole = new TaskSplit(images.Pixels, shape, images.Labels, null);
                        return limit is { } n && n < whole.Count ? whole.Rows([.. Enumerable.Range(0, n)]) : whole;
                    }

                    tasks[index] = new TaskData(spec.Name, TaskKind.Classification, alphabet.Characters, Of(split.Train, s.TrainLimit), Of(split.Test, s.EvaluationLimit),
                        split.Valid is { } v ? Of(v, s.EvaluationLimit) : null) { Metric = spec.Metric };
                }
            }
            else
            {
                foreach (var (index, task) in IdxTasks(group.Key, ds, [.. group.Select(x => (x.Spec, x.Index))], s, shape))
                {
                    tasks[index] = task;
                }
            }
        }

        return ([.. tasks.Select(t => t!)], shape);
    }

    /// <summary>
    /// The tasks of one IDX dataset: the images any of them uses (all, or fewer under a limit) resized once into one
    /// array per file, and each task an index into those arrays (validation: the last <see cref="ImageDatasetSpec.Valid"/>
    /// rows of the training file).
    /// </summary>
    private static IEnumerable<(int Index, TaskData Task)> IdxTasks(string name, ImageDatasetSpec ds, (TaskSpec Spec, int Index)[] specs, ImageTasksSource s, int[] shape)
    {
        var train = Mnist.LoadTrain(ds.Path);
        var test = Mnist.LoadTest(ds.Path);
        if (ds.Valid >= train.Count)
        {
            throw new ArgumentException($"data.datasets.{name}.valid: holding out {ds.Valid} of the {train.Count} training images of {ds.Path} leaves none for training.");
        }

        int classes = Math.Max(train.Labels.Max(), test.Labels.Max()) + 1;   // both splits hold at least one image (Mnist checks)
        int trainEnd = train.Count - ds.Valid;
        var picks = new List<(TaskSpec Spec, int Index, Pick Train, Pick? Valid, Pick Test)>();
        foreach (var (spec, index) in specs)
        {
            if (spec.LeaveOut is { } k && k >= classes)
            {
                throw new ArgumentException($"Task '{spec.Name}' leaves out class {k}, but dataset '{name}' has classes 0…{classes - 1}.");
            }

            Pick Of(LabeledImages from, int start, int end, int? limit, string what)
            {
                var p = Subset(from.Labels, start, end, spec.LeaveOut, limit);
                return p.Rows.Length > 0 ? p : throw new ArgumentException(
                    $"Task '{spec.Name}': dataset '{name}' has no {what} images{(spec.LeaveOut is { } k ? $" outside class {k}" : "")}.");
            }

            picks.Add((spec, index, Of(train, 0, trainEnd, s.TrainLimit, "training"), ds.Valid > 0 ? Of(train, trainEnd, train.Count, s.EvaluationLimit, "validation") : null,
                Of(test, 0, test.Count, s.EvaluationLimit, "test")));
        }

        var (trainPixels, trainMap) = Compact(train, picks.SelectMany(p => p.Valid is { } v ? p.Train.Rows.Concat(v.Rows) : p.Train.Rows), s.Size);
        var (testPixels, testMap) = Compact(test, picks.SelectMany(p => p.Test.Rows), s.Size);
        TaskSplit Split(float[] pixels, int[] map, Pick p) => new(pixels, shape, p.Labels, null, index: [.. p.Rows.Select(r => map[r])]);
        foreach (var (spec, index, tr, va, te) in picks)
        {
            yield return (index, new TaskData(spec.Name, TaskKind.Classification, spec.LeaveOut is null ? classes : classes - 1,
                Split(trainPixels, trainMap, tr), Split(testPixels, testMap, te), va is { } v ? Split(trainPixels, trainMap, v) : null) { Metric = spec.Metric });
        }
    }

    /// <summary>The rows of an IDX file a task uses and their labels (relabelled around a left-out class).</summary>
    internal sealed record Pick(int[] Rows, int[] Labels);

    /// <summary>
    /// The rows [<paramref name="start"/>, <paramref name="end"/>) of labels <paramref name="labels"/> without class
    /// <paramref name="leaveOut"/>, the classes above it relabelled one down, the first <paramref name="limit"/> of them.
    /// </summary>
    internal static Pick Subset(int[] labels, int start, int end, int? leaveOut, int? limit)
    {
        var rows = new List<int>(end - start);
        var kept = new List<int>(end - start);
        for (int r = start; r < end && (limit is not { } n || rows.Count < n); r++)
        {
            int label = labels[r];
            if (label == leaveOut)
            {
                continue;
            }

            rows.Add(r);
            kept.Add(leaveOut is { } k && label > k ? label - 1 : label);
        }

        return new Pick([.. rows], [.. kept]);
    }

    /// <summary>
    /// The images of <paramref name="rows"/> (all of them when every row is used, else only those, in file order),
    /// resized to <paramref name="size"/>, and each file row's row in the result (−1: not kept).
    /// </summary>
    private static (float[] Pixels, int[] Map) Compact(LabeledImages images, IEnumerable<int> rows, int size)
    {
        var keep = new bool[images.Count];
        foreach (int r in rows)
        {
            keep[r] = true;
        }

        var map = new int[images.Count];
        int n = 0;
        for (int r = 0; r < map.Length; r++)
        {
            map[r] = keep[r] ? n++ : -1;
        }

        ReadOnlySpan<float> pixels = images.Pixels;
        float[]? gathered = null;
        if (n < images.Count)
        {
            gathered = new float[n * images.ImageSize];
            for (int r = 0; r < map.Length; r++)
            {
                if (map[r] >= 0)
                {
                    images.Image(r).CopyTo(gathered.AsSpan(map[r] * images.ImageSize));
                }
            }

            pixels = gathered;
        }

        float[] result = images.Height == size && images.Width == size ? gathered ?? images.Pixels
            : ImageTransforms.ResizeBilinear(pixels, n, images.Height, images.Width, size, size);
        return (result, map);
    }

    private static ImageDatasetSpec Dataset(ImageTasksSource s, TaskSpec t) =>
        s.Dataset(t.Dataset ?? throw new ArgumentException($"Task '{t.Name}' names no dataset (tasks of image-tasks data need \"dataset\")."))
        ?? throw new ArgumentException($"Task '{t.Name}' names dataset '{t.Dataset}', which data.datasets does not hold.");

    /// <summary>The data entry of a run's configuration: the size, each dataset used, and the examples per split.</summary>
    public static string Describe(ImageTasksSource s, IReadOnlyList<TaskData> tasks)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(tasks);
        var ci = CultureInfo.InvariantCulture;
        var parts = s.Datasets.Select(kv => kv.Value.Kind == ImageDatasetKind.Idx
            ? $"{kv.Key}: idx-images resized bilinearly, {(kv.Value.Valid > 0 ? $"last {kv.Value.Valid.ToString(ci)} training images for validation" : "no validation split")}"
            : $"{kv.Key}: omniglot area-averaged, per character {kv.Value.Train.ToString(ci)}/{kv.Value.Valid.ToString(ci)}/{(Omniglot.DrawingsPerCharacter - kv.Value.Train - kv.Value.Valid).ToString(ci)} drawings train/valid/test");
        long train = tasks.Sum(t => (long)t.Train.Count), valid = tasks.Sum(t => (long)(t.Valid?.Count ?? 0)), test = tasks.Sum(t => (long)t.Test.Count);
        return $"image-tasks {s.Size.ToString(ci)}x{s.Size.ToString(ci)}, 1 channel; {string.Join("; ", parts)}; {train.ToString(ci)}/{valid.ToString(ci)}/{test.ToString(ci)} train/valid/test examples over {tasks.Count.ToString(ci)} tasks";
    }
}
