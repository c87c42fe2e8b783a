using MtlSharp.Data;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// <c>mtl predict</c> with a multi-input model (<c>multimodal</c>) or sentence model (<c>ewt-genre</c>): the input
/// file's type decides which tasks can be predicted — a folder or <c>.png</c> file, or an IDX image file (recognised
/// by its magic number), for image tasks; a <c>.csv</c> (or <c>.csv.gz</c>) file for table-row tasks; CoNLL-U
/// (<c>.conllu</c>) or any other text file (a sentence per line) for sentence and token tasks. Without
/// <c>--task</c> every task reading that type is predicted; a task named with <c>--task</c> that reads another type
/// is a usage error (exit 2) that says what it reads. Records are read, encoded and written by the same readers and
/// writers as the other runs' predictions.
/// </summary>
internal static class MultiInputPredict
{
    public static int Run(RunPlan plan, string inputPath, string? outPath, bool json, string[] names, bool strict)
    {
        var predictor = new MultiInputPredictor(plan);
        var (kind, what) = KindOf(inputPath);
        var chosen = Choose(plan, predictor, kind, what, inputPath, names);
        var formats = chosen.Select(t => predictor.Inputs[t]).ToArray();
        if (formats.Select(f => f.Input).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            throw new UsageException($"--input {inputPath}: the tasks {string.Join(", ", chosen.Select(t => predictor.Tasks[t].Name))} read different inputs ({string.Join(", ", formats.Select(f => f.Input).Distinct(StringComparer.Ordinal))}); choose one input's tasks with --task");
        }

        var tasks = chosen.Select(t => Task(predictor, t)).ToList();
        string where = outPath ?? "standard output";
        if (kind == TaskInputKind.Sentences)
        {
            if (Directory.Exists(inputPath))
            {
                throw new UsageException($"--input {inputPath}: sentences are read from one CoNLL-U (.conllu) or plain-text file, not a folder");
            }

            var text = new TextPredictRun(
                sentences => Enumerable.Range(0, predictor.Tasks.Count).Select(t => chosen.Contains(t) ? predictor.Predict(t, sentences) : []).ToArray(),
                word => chosen.All(t => predictor.IsKnownWord(t, word)),
                tasks,
                [.. chosen.Select(t => !predictor.Inputs[t].PerToken)],
                strict);
            PredictCommand.WriteAtomically(outPath, writer => text.Sentences(inputPath, json, writer));
            string done = $"mtl: {text.Written} sentences ({text.Tokens} tokens) predicted into {where}";
            Console.Error.WriteLine(text.Bad == 0 ? done : $"{done}; {text.Bad} bad sentences skipped");
            if (text.Unknown > 0)
            {
                Console.Error.WriteLine($"mtl: note: {text.Unknown} of {text.Tokens} tokens were not in the training vocabulary (read as <unk>, as in training)");
            }

            return 0;
        }

        var format = formats[0];
        IReadOnlyList<int> shape = kind == TaskInputKind.Images ? format.ImageShape! : [format.Csv!.InputWidth];
        var run = new PredictCommand.PredictRun(
            shape,
            (indices, rows) =>
            {
                var outputs = new float[indices.Count][];
                for (int i = 0; i < outputs.Length; i++)
                {
                    outputs[i] = predictor.Predict(indices[i], rows);
                }

                return outputs;
            },
            tasks,
            strict);
        PredictCommand.WriteAtomically(outPath, writer =>
        {
            if (kind == TaskInputKind.Rows)
            {
                run.Csv(format.Csv!, inputPath, json, writer);
            }
            else
            {
                run.Images(inputPath, json, writer, inverted: false);
            }
        });
        Console.Error.WriteLine(run.Bad == 0
            ? $"mtl: {run.Written} records predicted into {where}"
            : $"mtl: {run.Written} records predicted into {where}; {run.Bad} bad records skipped");
        return 0;
    }

    /// <summary>The kind of input a file holds, and how to say it.</summary>
    internal static (TaskInputKind Kind, string What) KindOf(string path)
    {
        if (Directory.Exists(path) || path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            return (TaskInputKind.Images, "PNG images");
        }

        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase))
        {
            return (TaskInputKind.Rows, "CSV rows");
        }

        if (SentenceReader.IsConllU(path))
        {
            return (TaskInputKind.Sentences, "CoNLL-U sentences");
        }

        // An IDX image file starts 00 00 08 03 (unsigned bytes, three dimensions); anything else is plain text.
        Span<byte> magic = stackalloc byte[4];
        int read = 0;
        using (var stream = DataFile.OpenRead(path))
        {
            int n;
            while (read < 4 && (n = stream.Read(magic[read..])) > 0)
            {
                read += n;
            }
        }

        return read == 4 && magic[0] == 0 && magic[1] == 0 && magic[2] == 8 && magic[3] == 3
            ? (TaskInputKind.Images, "IDX images")
            : (TaskInputKind.Sentences, "plain-text sentences");
    }

    private static List<int> Choose(RunPlan plan, MultiInputPredictor predictor, TaskInputKind kind, string what, string inputPath, string[] names)
    {
        string Reads(int t) => $"{predictor.Tasks[t].Name} ({MultiInputPredictor.Describe(predictor.Inputs[t].Kind)})";
        var chosen = new List<int>();
        foreach (string name in names)
        {
            int t = predictor.Tasks.ToList().FindIndex(i => string.Equals(i.Name, name, StringComparison.Ordinal));
            if (t < 0)
            {
                throw new UsageException($"unknown task '{name}'; the tasks of {plan.Preset}/{plan.Method} are: {string.Join(", ", predictor.Tasks.Select(i => i.Name))}");
            }

            if (predictor.Inputs[t].Kind != kind)
            {
                throw new UsageException($"--task {name} reads {MultiInputPredictor.Describe(predictor.Inputs[t].Kind)} ({Expected(predictor.Inputs[t].Kind)}), but --input {inputPath} holds {what}");
            }

            if (!chosen.Contains(t))
            {
                chosen.Add(t);
            }
        }

        if (chosen.Count == 0)
        {
            chosen.AddRange(Enumerable.Range(0, predictor.Tasks.Count).Where(t => predictor.Inputs[t].Kind == kind));
            if (chosen.Count == 0)
            {
                throw new UsageException($"--input {inputPath} holds {what}, but no task of {plan.Preset}/{plan.Method} reads {MultiInputPredictor.Describe(kind)}; its tasks read: {string.Join(", ", Enumerable.Range(0, predictor.Tasks.Count).Select(Reads))}");
            }
        }

        return chosen;
    }

    private static string Expected(TaskInputKind kind) => kind switch
    {
        TaskInputKind.Images => "an IDX image file, a PNG file or a folder of PNGs",
        TaskInputKind.Rows => "a .csv file",
        _ => "a CoNLL-U or plain-text file, a sentence per line",
    };

    private static PredictedTask Task(MultiInputPredictor predictor, int t)
    {
        var info = predictor.Tasks[t];
        var f = predictor.Inputs[t];
        if (f.Csv is { } csv)
        {
            var l = csv.Labels[f.CsvTask];
            return new PredictedTask(info.Name, t, l.Kind, l.Kind == TaskKind.Classification ? l.Classes : l.Columns, l.Mean, l.Std);
        }

        return new PredictedTask(info.Name, t, info.Kind == TaskKind.SequenceTagging ? TaskKind.Classification : info.Kind, predictor.Labels(t));
    }
}
