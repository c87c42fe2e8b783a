using System.CommandLine;
using System.Globalization;
using System.Text;
using MtlSharp.Data.Images;
using MtlSharp.Data.Tabular;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.NN.Checkpoints;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// <c>mtl predict --checkpoint DIR --input PATH [--task NAME]… [--out FILE] [--format csv|jsonl] [--strict]</c>:
/// rebuilds the checkpoint's run as <c>mtl eval</c> does (a CSV run refits its input encoding on the training split,
/// deterministically, so new rows are encoded exactly as the training rows were), loads the weights and predicts, a
/// chunk of records at a time: CSV rows for tabular runs (label columns may be absent), IDX image files, a PNG or a
/// folder of PNGs for image runs, and for taggers CoNLL-U (<c>.conllu</c>) or plain text (a sentence per line,
/// tokens split on whitespace; one output line per token); multi-input and sentence runs predict the tasks that read the
/// file's type (<see cref="MultiInputPredict"/>). A bad record is reported on stderr with its line (or file) and skipped; with
/// <c>--strict</c> the first one ends the command with exit 1 and no output file. <c>--out</c> is replaced atomically.
/// </summary>
internal static class PredictCommand
{
    private const int ChunkRecords = 256;

    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A checkpoint folder (e.g. runs/…/checkpoints/last or …/best).", Required = true };
        var input = new Option<string>("--input") { Description = "What to predict on: a CSV file (tabular runs; gzip too), an IDX image file, a PNG file or a folder of PNGs (image runs), CoNLL-U (.conllu) or plain text with one sentence per line (taggers); for multi-input and sentence runs the file's type picks the tasks.", Required = true };
        var task = new Option<string[]>("--task") { Description = "Predict this task (repeat for several; default: every task)." };
        var output = new Option<string?>("--out") { Description = "The file to write (replaced atomically; default: standard output)." };
        var format = new Option<string?>("--format") { Description = "csv or jsonl (default: jsonl for an --out ending in .jsonl or .json, else csv)." };
        var strict = new Option<bool>("--strict") { Description = "Stop with exit 1 at the first bad record (default: report it on stderr and skip it)." };
        var data = new Option<string?>("--data") { Description = "Data directory (default: the one the run was trained with); a CSV run refits its encoding on its training rows." };
        var threads = CommonOptions.Threads();
        var cmd = new Command("predict", "Predict with a checkpoint on new CSV rows, images or sentences.") { checkpoint, input, task, output, format, strict, data, threads };
        cmd.SetAction(r =>
        {
            CommonOptions.ApplyThreads(r.GetValue(threads));
            string inputPath = r.GetValue(input)!;
            string? outPath = r.GetValue(output);
            bool json = r.GetValue(format) switch
            {
                null => outPath is not null && (outPath.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || outPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase)),
                "csv" => false,
                "jsonl" => true,
                var f => throw new UsageException($"--format must be csv or jsonl, got '{f}'"),
            };
            var plan = Load(r.GetValue(checkpoint)!, r.GetValue(data));
            if (!File.Exists(inputPath) && !Directory.Exists(inputPath))
            {
                throw new FileNotFoundException($"{inputPath}: no such file or folder.");
            }

            if (plan.TaskInputs is not null)
            {
                return MultiInputPredict.Run(plan, inputPath, outPath, json, r.GetValue(task) ?? [], r.GetValue(strict));
            }

            if (plan.Model is TaggerModel)
            {
                return PredictSentences(plan, inputPath, outPath, json, r.GetValue(task) ?? [], r.GetValue(strict));
            }

            var predictor = new Predictor(plan);
            if (plan.Tabular is null && predictor.InputShape.Count != 3)
            {
                throw new NotSupportedException($"{plan.Preset}/{plan.Method}: 'mtl predict' takes CSV runs, image runs and taggers; this run's inputs (shape [{string.Join(", ", predictor.InputShape)}]) are none of them.");
            }

            var run = new PredictRun(predictor.InputShape, predictor.Predict, Tasks(plan, predictor.Tasks, r.GetValue(task) ?? [], null), r.GetValue(strict));
            WriteAtomically(outPath, writer =>
            {
                if (plan.Tabular is { } csv)
                {
                    run.Csv(csv, inputPath, json, writer);
                }
                else
                {
                    run.Images(inputPath, json, writer, plan.InvertedImages);
                }
            });
            string where = outPath ?? "standard output";
            Console.Error.WriteLine(run.Bad == 0
                ? $"mtl: {run.Written} records predicted into {where}"
                : $"mtl: {run.Written} records predicted into {where}; {run.Bad} bad records skipped");
            return 0;
        });
        return cmd;
    }

    /// <summary>A tagger's predictions for the sentences of a CoNLL-U or plain-text file, one line per token.</summary>
    private static int PredictSentences(RunPlan plan, string inputPath, string? outPath, bool json, string[] names, bool strict)
    {
        if (Directory.Exists(inputPath))
        {
            throw new UsageException($"--input {inputPath}: a tagger reads one CoNLL-U (.conllu) or plain-text file, not a folder");
        }

        var tagger = new TaggerPredictor(plan);
        var run = new TextPredictRun(tagger, Tasks(plan, tagger.Tasks, names, t => tagger.Labels(t)), strict);
        WriteAtomically(outPath, writer => run.Sentences(inputPath, json, writer));
        string done = $"mtl: {run.Written} sentences ({run.Tokens} tokens) predicted into {outPath ?? "standard output"}";
        Console.Error.WriteLine(run.Bad == 0 ? done : $"{done}; {run.Bad} bad sentences skipped");
        if (run.Unknown > 0)
        {
            Console.Error.WriteLine($"mtl: note: {run.Unknown} of {run.Tokens} tokens were not in the training vocabulary (read as <unk>, as in training)");
        }

        return 0;
    }

    private static RunPlan Load(string given, string? data)
    {
        string dir = CheckpointFolder.Resolve(given)
            ?? throw new FileNotFoundException($"No complete checkpoint in '{given}': {Checkpoint.MetadataFile} is missing.");
        var meta = Checkpoint.ReadMetadata(dir);
        string[] args = EvalCommand.StoredArgs(meta, dir);
        if (data is not null)
        {
            args = EvalCommand.WithData(args, data);
        }

        var train = TrainCommand.Instance;
        var parsed = train.ParseStored(args, Path.Combine(dir, Checkpoint.MetadataFile));

        // The weights are read (and checked) before the run's data is loaded: a damaged file fails fast.
        string weightsPath = Path.Combine(dir, Checkpoint.ModelFile);
        var weights = SafeTensors.Read(weightsPath);
        var plan = train.BuildPlan(parsed);
        if (plan.Model is not (RoutedModel or ExpertModel or TaggerModel) && plan.TaskInputs is null)
        {
            throw new NotSupportedException($"{plan.Preset}/{plan.Method}: 'mtl predict' takes routed, expert, tagger, multi-input and sentence models.");
        }

        Checkpoint.LoadModel(plan.Model.Module, weights, strict: true, source: weightsPath);
        return plan;
    }

    private static List<PredictedTask> Tasks(RunPlan plan, IReadOnlyList<TaskInfo> all, string[] names, Func<int, IReadOnlyList<string>>? labels)
    {
        var chosen = new List<int>();
        foreach (string name in names)
        {
            int t = all.ToList().FindIndex(i => string.Equals(i.Name, name, StringComparison.Ordinal));
            if (t < 0)
            {
                throw new UsageException($"unknown task '{name}'; the tasks of {plan.Preset}/{plan.Method} are: {string.Join(", ", all.Select(i => i.Name))}");
            }

            if (!chosen.Contains(t))
            {
                chosen.Add(t);
            }
        }

        if (chosen.Count == 0)
        {
            chosen.AddRange(Enumerable.Range(0, all.Count));
        }

        return chosen.Select(t =>
        {
            var info = all[t];
            if (plan.Tabular is { } csv)
            {
                var l = csv.Labels[t];
                return new PredictedTask(info.Name, t, l.Kind, l.Kind == TaskKind.Classification ? l.Classes : l.Columns, l.Mean, l.Std);
            }

            if (labels is not null)
            {
                return new PredictedTask(info.Name, t, TaskKind.Classification, labels(t));
            }

            return new PredictedTask(info.Name, t, info.Kind, Enumerable.Range(0, info.Outputs).Select(k => k.ToString(CultureInfo.InvariantCulture)).ToArray());
        }).ToList();
    }

    /// <summary>Runs <paramref name="write"/> into standard output, or into a temporary sibling of <paramref name="path"/> renamed over it at the end.</summary>
    internal static void WriteAtomically(string? path, Action<TextWriter> write)
    {
        var utf8 = new UTF8Encoding(false);
        if (path is null)
        {
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), utf8, 1 << 16);
            write(stdout);
            return;
        }

        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new IOException($"{path}: is a folder; --out takes a file.");
        }

        string tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.partial");
        try
        {
            using (var w = new StreamWriter(new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16), utf8, 1 << 16))
            {
                write(w);
                w.Flush();
                ((FileStream)w.BaseStream).Flush(flushToDisk: true);
            }

            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp))
            {
                File.Delete(tmp);
            }
        }
    }

    /// <summary>Predicts the outputs of the tasks <paramref name="tasks"/> for whole input rows ([task][rows × outputs]).</summary>
    internal delegate float[][] RowPrediction(IReadOnlyList<int> tasks, ReadOnlySpan<float> rows);

    /// <summary>
    /// One prediction pass over float rows of shape <paramref name="shape"/> (CSV records or images): chunks of
    /// records, bad records reported and counted (or fatal with --strict).
    /// </summary>
    internal sealed class PredictRun(IReadOnlyList<int> shape, RowPrediction predict, IReadOnlyList<PredictedTask> tasks, bool strict)
    {
        private readonly int _rowSize = shape.Aggregate(1, (a, b) => a * b);
        private readonly int[] _indices = [.. tasks.Select(t => t.Index)];
        private readonly long[] _records = new long[ChunkRecords];
        private readonly string?[] _files = new string?[ChunkRecords];
        private float[] _x = [];
        private int _n;

        public long Bad { get; private set; }

        public long Written { get; private set; }

        public void Csv(CsvTaskSet csv, string path, bool json, TextWriter output)
        {
            using var reader = CsvRecordReader.Open(path);
            var encoder = csv.BindInputs(reader.Columns, path);
            var writer = new PredictionWriter(output, json, tasks, withFile: false);
            _x = new float[ChunkRecords * _rowSize];
            while (true)
            {
                try
                {
                    if (!reader.Read())
                    {
                        break;
                    }

                    csv.EncodeInput(encoder, reader.Fields, _x.AsSpan(_n * _rowSize, _rowSize), reader.Location);
                }
                catch (InvalidDataException e)
                {
                    Report(e.Message, reader.Record);
                    continue;
                }

                Add(reader.Record, null, writer);
            }

            Flush(writer);
            int unseen = encoder.UnseenLevels.Sum();
            if (unseen > 0)
            {
                var which = csv.Encoder.Features.Select((f, i) => (f.Column, Count: encoder.UnseenLevels[i])).Where(p => p.Count > 0);
                Console.Error.WriteLine($"mtl: note: {unseen} values were categories not seen in training (encoded as missing): {string.Join(", ", which.Select(p => $"{p.Column} {p.Count}"))}");
            }
        }

        public void Images(string path, bool json, TextWriter output, bool inverted)
        {
            int h = shape[1], w = shape[2];
            if (shape[0] != 1)
            {
                throw new NotSupportedException($"The run's images have {shape[0]} channels; 'mtl predict' reads grayscale images.");
            }

            _x = new float[ChunkRecords * _rowSize];
            if (Directory.Exists(path) || path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                string[] files = Directory.Exists(path)
                    ? [.. Directory.EnumerateFiles(path).Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)]
                    : [path];
                if (files.Length == 0)
                {
                    throw new FileNotFoundException($"{path}: the folder holds no .png files.");
                }

                var writer = new PredictionWriter(output, json, tasks, withFile: true);
                for (int i = 0; i < files.Length; i++)
                {
                    try
                    {
                        PngImages.ReadGray(files[i], h, w, _x.AsSpan(_n * _rowSize, _rowSize), inverted);
                    }
                    catch (InvalidDataException e)
                    {
                        Report(e.Message, i + 1);
                        continue;
                    }

                    Add(i + 1, Path.GetFileName(files[i]), writer);
                }

                Flush(writer);
                return;
            }

            using var idx = IdxImageStream.Open(path);
            if (idx.Rows != h || idx.Cols != w)
            {
                throw new InvalidDataException($"{path}: images of {idx.Rows}x{idx.Cols}; the run's model takes {h}x{w}.");
            }

            var idxWriter = new PredictionWriter(output, json, tasks, withFile: false);
            int got;
            while ((got = idx.Read(_x)) > 0)
            {
                for (int i = 0; i < got; i++)
                {
                    _records[i] = idx.Position - got + i + 1;
                    _files[i] = null;
                }

                _n = got;
                Flush(idxWriter);
            }
        }

        private void Report(string message, long record)
        {
            string where = string.Create(CultureInfo.InvariantCulture, $"record {record}");
            if (strict)
            {
                throw new InvalidDataException($"{message} ({where}; stopped by --strict)");
            }

            Bad++;
            Console.Error.WriteLine($"mtl: {message} ({where}; skipped)");
        }

        private void Add(long record, string? file, PredictionWriter writer)
        {
            _records[_n] = record;
            _files[_n] = file;
            if (++_n == ChunkRecords)
            {
                Flush(writer);
            }
        }

        private void Flush(PredictionWriter writer)
        {
            if (_n == 0)
            {
                return;
            }

            var outputs = predict(_indices, _x.AsSpan(0, _n * _rowSize));

            for (int i = 0; i < _n; i++)
            {
                writer.Write(_records[i], _files[i], outputs, i);
            }

            Written += _n;
            _n = 0;
        }
    }
}
