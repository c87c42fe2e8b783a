using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MtlSharp.Data.Images;
using MtlSharp.Data.Tabular;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Strategies;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Turns schema-valid configuration JSON into a typed <see cref="RunConfig"/> (the one place where its strings become
/// types) and checks what the schema cannot: unique task names, label columns and losses/metrics that fit each task's
/// kind and data source, a metric direction that agrees with the metric, known task names in <c>useTasks</c> and
/// <c>stopping.select</c>, strategy combinations, data files that exist.
/// </summary>
internal sealed class ConfigReader(string source, JsonLineMap lines)
{
    private static readonly string[] TagColumns = ["upos", "xpos", "feats", "deprel"];

    public static string Format(string source, JsonLineMap lines, string path, string message) =>
        lines.LineOf(path) is { } line ? $"{source}:{line}: {JsonPaths.Show(path)}: {message}" : $"{source}: {JsonPaths.Show(path)}: {message}";

    public static InvalidDataException Error(string source, JsonLineMap lines, string path, string message) => new(Format(source, lines, path, message));

    private InvalidDataException Error(string path, string message) => Error(source, lines, path, message);

    public RunConfig Read(JsonObject root, string method, string? dataDirectory, bool checkFiles)
    {
        var data = ReadData((JsonObject)root["data"]!, dataDirectory, checkFiles);
        var allTasks = ((JsonArray)root["tasks"]!).Select((t, i) => ReadTask((JsonObject)t!, $"tasks[{i}]", data)).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < allTasks.Count; i++)
        {
            if (!seen.Add(allTasks[i].Name))
            {
                throw Error($"tasks[{i}].name", $"task name '{allTasks[i].Name}' is used twice");
            }
        }

        var tasks = allTasks;
        if (root["useTasks"] is JsonArray use)
        {
            tasks = [];
            for (int i = 0; i < use.Count; i++)
            {
                string name = use[i]!.GetValue<string>();
                tasks.Add(allTasks.FirstOrDefault(t => t.Name == name) ?? throw Error($"useTasks[{i}]", $"no task '{name}'; the tasks are: {string.Join(", ", allTasks.Select(t => t.Name))}"));
            }

            if (tasks.Count == 0)
            {
                throw Error("useTasks", "expected at least one task");
            }
        }

        var model = ReadModel((JsonObject)root["model"]!, data, tasks);
        var strategy = ReadStrategy(root["strategy"] as JsonObject);
        var stopping = new StoppingSpec
        {
            Patience = root["stopping"]?["patience"]?.GetValue<int>(),
            Select = root["stopping"]?["select"]?.GetValue<string>(),
        };
        if (stopping.Select is { } sel && tasks.All(t => t.Name != sel))
        {
            throw Error("stopping.select", $"no task '{sel}'; the tasks are: {string.Join(", ", tasks.Select(t => t.Name))}");
        }

        if (data is SyntheticSource syn && tasks.Count != allTasks.Count)
        {
            throw Error("useTasks", "synthetic data generates every task of its clusters; useTasks is not supported with it");
        }

        if (data is SyntheticSource s2 && allTasks.Count != s2.Clusters.Sum())
        {
            throw Error("tasks", $"synthetic data with clusters [{string.Join(", ", s2.Clusters)}] has {s2.Clusters.Sum()} tasks, but {allTasks.Count} are listed");
        }

        return new RunConfig
        {
            Name = root["name"]!.GetValue<string>(),
            Description = root["description"]?.GetValue<string>(),
            Method = method,
            Data = data,
            Tasks = tasks,
            Model = model,
            Strategy = strategy,
            Optimizer = new OptimizerSpec
            {
                Type = root["optimizer"]?["type"]?.GetValue<string>() switch { null => null, "adam" => OptimizerKind.Adam, _ => OptimizerKind.Sgd },
                LearningRate = Float(root["optimizer"]?["learningRate"]),
                RouterLearningRate = Float(root["optimizer"]?["routerLearningRate"]),
                ClipNorm = Float(root["optimizer"]?["clipNorm"]),
            },
            Schedule = new ScheduleSpec
            {
                BatchSize = root["schedule"]?["batchSize"]?.GetValue<int>(),
                Rounds = root["schedule"]?["rounds"]?.GetValue<long>(),
                Epochs = root["schedule"]?["epochs"]?.GetValue<int>(),
                Evaluations = root["schedule"]?["evaluations"]?.GetValue<int>(),
                EvaluationBatchSize = root["schedule"]?["evaluationBatchSize"]?.GetValue<int>(),
            },
            Stopping = stopping,
            Baseline = root["baseline"]?.GetValue<string>(),
        };
    }

    private static float? Float(JsonNode? n) => n is null ? null : (float)n.GetValue<double>();

    private string ResolvePath(string path, string? dataDirectory, string key, bool checkFiles, bool folder)
    {
        string full = Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(dataDirectory ?? ".", path));
        if (checkFiles && (folder ? !Directory.Exists(full) : !File.Exists(full)))
        {
            throw Error(key, $"{(folder ? "folder" : "file")} '{full}' does not exist{(Path.IsPathRooted(path) ? "" : " (relative paths resolve against --data)")}");
        }

        return full;
    }

    private DataSource ReadData(JsonObject d, string? dataDir, bool checkFiles, string at = "data")
    {
        switch (d["type"]!.GetValue<string>())
        {
            case "multi-input" when at != "data":
                throw Error($"{at}.type", "a multi-input source's inputs are single sources (csv, idx-images, ud-english-ewt, …), not multi-input");
            case "multi-input":
                return ReadMultiInput(d, dataDir, checkFiles);
            case "csv":
            {
                var split = d["split"] as JsonObject;
                double Fraction(string key, double dflt)
                {
                    var n = split?[key];
                    if (n is null || n.GetValueKind() == JsonValueKind.String)
                    {
                        return n is null ? dflt : 0;
                    }

                    double f = n.GetValue<double>();
                    return f is >= 0 and < 1 ? f : throw Error($"{at}.split.{key}", string.Create(CultureInfo.InvariantCulture, $"expected a fraction in [0, 1), got {f}"));
                }

                string? File(string key) => split?[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String
                    ? ResolvePath(v.GetValue<string>(), dataDir, $"{at}.split.{key}", checkFiles, folder: false) : null;
                double test = Fraction("test", 0.2), valid = Fraction("valid", 0.1);
                if (test + valid >= 1)
                {
                    throw Error($"{at}.split", "the test and validation fractions leave no training rows");
                }

                if (split?["train"] is not null)
                {
                    throw Error($"{at}.split.train", "the training rows are data.path; give test (and valid) as files");
                }

                var encoding = d["categorical"]?.GetValue<string>() == "embedded" ? CategoricalEncoding.Embedded : CategoricalEncoding.OneHot;
                return new CsvSource
                {
                    Path = ResolvePath(d["path"]!.GetValue<string>(), dataDir, $"{at}.path", checkFiles, folder: false),
                    Join = (d["join"] as JsonArray)?.Select((j, i) => ResolvePath(j!.GetValue<string>(), dataDir, $"{at}.join[{i}]", checkFiles, folder: false)).ToArray() ?? [],
                    Features = (d["features"] as JsonArray)?.Select(f => new FeatureSpec(f!["column"]!.GetValue<string>())
                    {
                        Type = f["type"]?.GetValue<string>() switch { null => null, "numeric" => ColumnType.Numeric, _ => ColumnType.Categorical },
                        // The file-wide defaults apply where they can: the encoding to categorical columns, indicators to numeric ones.
                        Encoding = f["encoding"]?.GetValue<string>() switch { null => f["type"]?.GetValue<string>() == "categorical" ? encoding : CategoricalEncoding.OneHot, "embedded" => CategoricalEncoding.Embedded, _ => CategoricalEncoding.OneHot },
                        MissingIndicator = f["missingIndicator"]?.GetValue<bool>() ?? (f["type"]?.GetValue<string>() == "numeric" && (d["missingIndicators"]?.GetValue<bool>() ?? false)),
                    }).ToArray(),
                    Exclude = (d["exclude"] as JsonArray)?.Select(x => x!.GetValue<string>()).ToArray() ?? [],
                    Categorical = encoding,
                    EmbeddingSize = d["embeddingSize"]?.GetValue<int>() ?? 4,
                    MissingIndicators = d["missingIndicators"]?.GetValue<bool>() ?? false,
                    TestFraction = test,
                    ValidFraction = valid,
                    TestFile = File("test"),
                    ValidFile = File("valid"),
                    SplitSeed = (ulong)(split?["seed"]?.GetValue<long>() ?? 0),
                };
            }

            case "idx-images":
                return new IdxImageSource
                {
                    Path = ResolvePath(d["path"]!.GetValue<string>(), dataDir, $"{at}.path", checkFiles, folder: true),
                    Rotate = (d["rotate"] as JsonObject)?.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>() switch
                    {
                        "ccw90" => (RotationDirection?)RotationDirection.CounterClockwise,
                        "cw90" => RotationDirection.Clockwise,
                        _ => null,
                    }, StringComparer.Ordinal) ?? new Dictionary<string, RotationDirection?>(),
                };
            case "multi-mnist":
            {
                string upLeft = ResolvePath(d["path"]!.GetValue<string>(), dataDir, $"{at}.path", checkFiles, folder: true);
                return new MultiDigitsSource
                {
                    Path = upLeft,
                    DownRightPath = d["downRight"] is { } dr ? ResolvePath(dr.GetValue<string>(), dataDir, $"{at}.downRight", checkFiles, folder: true) : upLeft,
                    Train = d["train"]?.GetValue<int>(),
                    Test = d["test"]?.GetValue<int>(),
                    ValidFraction = d["valid"]?.GetValue<double>() ?? 0,
                    Seed = (ulong)(d["seed"]?.GetValue<long>() ?? 0),
                    DistinctClasses = d["distinctClasses"]?.GetValue<bool>() ?? false,
                    Resize = d["resize"]?.GetValue<bool>() ?? true,
                };
            }

            case "omniglot":
            {
                int train = d["train"]?.GetValue<int>() ?? 10, valid = d["valid"]?.GetValue<int>() ?? 4;
                if (train + valid >= Data.Images.Omniglot.DrawingsPerCharacter)
                {
                    throw Error($"{at}.train", $"{train} training and {valid} validation drawings leave none of a character's {Data.Images.Omniglot.DrawingsPerCharacter} for test");
                }

                return new OmniglotSource
                {
                    Path = ResolvePath(d["path"]!.GetValue<string>(), dataDir, $"{at}.path", checkFiles, folder: true),
                    Size = d["size"]?.GetValue<int>() ?? Data.Images.Omniglot.ImageSide,
                    Train = train,
                    Valid = valid,
                };
            }

            case "image-tasks":
                return ReadImageTasks(d, dataDir, checkFiles);
            case "ud-english-ewt":
                return new EwtSource
                {
                    Path = ResolvePath(d["path"]!.GetValue<string>(), dataDir, $"{at}.path", checkFiles, folder: true),
                    TrainGenre = d["trainGenre"]?.GetValue<string>() ?? "answers",
                };
            default:
                return new SyntheticSource
                {
                    Clusters = (d["clusters"] as JsonArray)?.Select(x => x!.GetValue<int>()).ToArray() ?? [2, 2],
                    Rho = d["rho"]?.GetValue<double>() ?? 1.0,
                    Train = d["train"]?.GetValue<int>() ?? 100_000,
                    Test = d["test"]?.GetValue<int>() ?? 10_000,
                    SharedInputs = d["sharedInputs"]?.GetValue<bool>() ?? true,
                };
        }
    }

    private ImageTasksSource ReadImageTasks(JsonObject d, string? dataDir, bool checkFiles)
    {
        int size = d["size"]!.GetValue<int>();
        var datasets = new List<KeyValuePair<string, ImageDatasetSpec>>();
        foreach (var (name, node) in (JsonObject)d["datasets"]!)
        {
            string at = $"data.datasets.{name}";
            var o = (JsonObject)node!;
            var kind = o["type"]!.GetValue<string>() == "omniglot" ? ImageDatasetKind.Omniglot : ImageDatasetKind.Idx;
            int train = o["train"]?.GetValue<int>() ?? 10;
            int valid = o["valid"]?.GetValue<int>() ?? (kind == ImageDatasetKind.Omniglot ? 4 : 0);
            if (kind == ImageDatasetKind.Omniglot)
            {
                if (train + valid >= Data.Images.Omniglot.DrawingsPerCharacter)
                {
                    throw Error(o["train"] is null ? $"{at}.valid" : $"{at}.train", $"{train} training and {valid} validation drawings leave none of a character's {Data.Images.Omniglot.DrawingsPerCharacter} for test");
                }

                if (size > Data.Images.Omniglot.ImageSide)
                {
                    throw Error("data.size", $"Omniglot drawings ({at}) are {Data.Images.Omniglot.ImageSide}×{Data.Images.Omniglot.ImageSide} and are only shrunk (area-averaged); the size must be at most {Data.Images.Omniglot.ImageSide}, got {size}");
                }
            }

            datasets.Add(new(name, new ImageDatasetSpec
            {
                Kind = kind,
                Path = ResolvePath(o["path"]!.GetValue<string>(), dataDir, $"{at}.path", checkFiles, folder: true),
                Train = train,
                Valid = valid,
            }));
        }

        if (datasets.Count == 0)
        {
            throw Error("data.datasets", "expected at least one named dataset (an idx-images folder or the omniglot archives)");
        }

        PadCropSpec? augment = null;
        if (d["augment"] is JsonObject a)
        {
            int pad = a["pad"]!.GetValue<int>(), crop = a["crop"]!.GetValue<int>();
            if (crop != size)
            {
                throw Error("data.augment.crop", $"the window cut out is the image side, so training and evaluation images have one shape; expected {size} (data.size), got {crop}");
            }

            if (pad < crop)
            {
                throw Error("data.augment.pad", $"the zero-padded side must be at least the crop side {crop}, got {pad}");
            }

            augment = new PadCropSpec(pad, crop);
        }

        return new ImageTasksSource
        {
            Size = size,
            Datasets = datasets,
            Augment = augment,
            TrainLimit = d["limit"]?["train"]?.GetValue<int>(),
            EvaluationLimit = d["limit"]?["evaluation"]?.GetValue<int>(),
        };
    }

    private MultiInputSource ReadMultiInput(JsonObject d, string? dataDir, bool checkFiles)
    {
        var inputs = new List<KeyValuePair<string, DataSource>>();
        foreach (var (name, node) in (JsonObject)d["inputs"]!)
        {
            string at = $"data.inputs.{name}";
            if (node is not JsonObject o || o["type"] is null)
            {
                throw Error(at, "expected a data source object with a \"type\"");
            }

            var source = ReadData(o, dataDir, checkFiles, at);
            if (source is not (IdxImageSource or EwtSource or CsvSource))
            {
                throw Error($"{at}.type", "a multi-input run reads idx-images, ud-english-ewt or csv inputs");
            }

            inputs.Add(new(name, source));
        }

        if (inputs.Count == 0)
        {
            throw Error("data.inputs", "expected at least one named input");
        }

        return new MultiInputSource
        {
            Inputs = inputs,
            TrainLimit = d["limit"]?["train"]?.GetValue<int>(),
            EvaluationLimit = d["limit"]?["evaluation"]?.GetValue<int>(),
        };
    }

    private TaskSpec ReadTask(JsonObject t, string path, DataSource data)
    {
        string? input = t["input"]?.GetValue<string>();
        if (data is MultiInputSource multi)
        {
            if (input is null)
            {
                throw Error(path, $"a task of multi-input data names the input it reads in \"input\"; the inputs are: {string.Join(", ", multi.Inputs.Select(kv => kv.Key))}");
            }

            data = multi.Input(input) ?? throw Error($"{path}.input", $"no input '{input}'; the inputs are: {string.Join(", ", multi.Inputs.Select(kv => kv.Key))}");
        }
        else if (input is not null)
        {
            throw Error($"{path}.input", "\"input\" names one of the inputs of multi-input data (data.type \"multi-input\")");
        }

        var kind = t["kind"]!.GetValue<string>() switch
        {
            "classification" => TaskKind.Classification,
            "multi-label" => TaskKind.MultiLabel,
            "regression" => TaskKind.Regression,
            _ => TaskKind.SequenceTagging,
        };
        string? column = t["column"]?.GetValue<string>();
        string[] columns = (t["columns"] as JsonArray)?.Select(c => c!.GetValue<string>()).ToArray() ?? [];
        string kindName = t["kind"]!.GetValue<string>();
        string? dataset = t["dataset"]?.GetValue<string>();
        int? leaveOut = t["leaveOut"]?.GetValue<int>();
        if (data is ImageTasksSource images)
        {
            string names = string.Join(", ", images.Datasets.Select(kv => kv.Key));
            if (dataset is null)
            {
                throw Error(path, $"a task of image-tasks data names the dataset its images come from in \"dataset\"; the datasets are: {names}");
            }

            var spec = images.Dataset(dataset) ?? throw Error($"{path}.dataset", $"no dataset '{dataset}' in data.datasets; the datasets are: {names}");
            if (kind != TaskKind.Classification)
            {
                throw Error($"{path}.kind", "image-tasks data has classification tasks (the classes of an idx-images dataset, or the characters of an Omniglot alphabet)");
            }

            if (columns.Length > 0)
            {
                throw Error($"{path}.columns", "an image task has one label per image; remove \"columns\"");
            }

            if (spec.Kind == ImageDatasetKind.Idx && column is not null)
            {
                throw Error($"{path}.column", $"the task takes its labels from dataset '{dataset}' (every class, or every class but leaveOut); remove \"column\"");
            }

            if (spec.Kind == ImageDatasetKind.Omniglot)
            {
                string alphabet = column ?? t["name"]!.GetValue<string>();
                if (leaveOut is not null)
                {
                    throw Error($"{path}.leaveOut", $"leaveOut leaves one class of an idx-images dataset out; '{dataset}' is Omniglot, whose tasks classify the characters of one alphabet (named by \"column\", default the task's name)");
                }

                if (Data.Images.Omniglot.AlphabetId(alphabet) < 0)
                {
                    throw Error(column is null ? $"{path}.name" : $"{path}.column", $"Omniglot has no alphabet '{alphabet}'; the alphabets are: {string.Join(", ", Data.Images.Omniglot.AlphabetOrder)}");
                }
            }
        }
        else if (dataset is not null || leaveOut is not null)
        {
            throw Error(dataset is not null ? $"{path}.dataset" : $"{path}.leaveOut", "\"dataset\" and \"leaveOut\" describe the tasks of image-tasks data (data.type \"image-tasks\")");
        }

        switch (data)
        {
            case CsvSource when kind == TaskKind.SequenceTagging:
                throw Error($"{path}.kind", "sequence-tagging needs sentence data (ud-english-ewt), not csv");
            case CsvSource when kind == TaskKind.MultiLabel && (columns.Length == 0 || column is not null):
                throw Error(path, "a multi-label task names its 0/1 label columns in \"columns\" (and no \"column\")");
            case CsvSource when kind != TaskKind.MultiLabel && (column is null || columns.Length > 0):
                throw Error(path, $"a {kindName} task names its label column in \"column\"");
            case EwtSource when kind == TaskKind.Classification && column != "genre":
                throw Error(column is null ? path : $"{path}.column", "a classification task on ud-english-ewt predicts a sentence's \"genre\" (its sent_id prefix); set \"column\": \"genre\"");
            case EwtSource when kind == TaskKind.Classification:
                break;
            case EwtSource when kind != TaskKind.SequenceTagging:
                throw Error($"{path}.kind", "ud-english-ewt data has sequence-tagging tasks and the sentence-level classification task \"genre\"");
            case EwtSource when column is null || !TagColumns.Contains(column):
                throw Error(column is null ? path : $"{path}.column", $"a tagging task's column is one of: {string.Join(", ", TagColumns)}");
            case IdxImageSource when kind != TaskKind.Classification:
                throw Error($"{path}.kind", "idx-images data has classification tasks (the digit classes)");
            case MultiDigitsSource when kind != TaskKind.Classification:
                throw Error($"{path}.kind", "multi-mnist data has classification tasks (the class of one item)");
            case MultiDigitsSource when column is not ("up-left" or "down-right") || columns.Length > 0:
                throw Error(column is null || columns.Length > 0 ? path : $"{path}.column", "a multi-mnist task names its item in \"column\": up-left or down-right");
            case OmniglotSource when kind != TaskKind.Classification:
                throw Error($"{path}.kind", "omniglot data has classification tasks (the characters of one alphabet)");
            case OmniglotSource when columns.Length > 0:
                throw Error(path, "an omniglot task names its alphabet in \"column\" (default: the task's name), not \"columns\"");
            case OmniglotSource when Data.Images.Omniglot.AlphabetId(column ?? t["name"]!.GetValue<string>()) < 0:
                throw Error(column is null ? $"{path}.name" : $"{path}.column", $"Omniglot has no alphabet '{column ?? t["name"]!.GetValue<string>()}'; the alphabets are: {string.Join(", ", Data.Images.Omniglot.AlphabetOrder)}");
            case SyntheticSource when kind != TaskKind.Regression:
                throw Error($"{path}.kind", "synthetic data has regression tasks");
        }

        if (data is IdxImageSource or SyntheticSource && (column is not null || columns.Length > 0))
        {
            throw Error(path, $"{(data is IdxImageSource ? "idx-images" : "synthetic")} tasks take their labels from the data source; remove \"column\"/\"columns\"");
        }

        string expectedLoss = kind switch
        {
            TaskKind.MultiLabel => "binary-cross-entropy",
            TaskKind.Regression => "mse",
            _ => "cross-entropy",
        };
        if (t["loss"]?.GetValue<string>() is { } loss && loss != expectedLoss)
        {
            throw Error($"{path}.loss", $"a {kindName} task is trained with {expectedLoss}, not {loss}");
        }

        var allowed = kind switch
        {
            TaskKind.Classification => new[] { "accuracy", "macro-f1" },
            TaskKind.MultiLabel => ["accuracy", "micro-f1"],
            TaskKind.Regression => ["mse", "rmse", "mae"],
            _ => ["accuracy"],
        };
        string metricName = t["metric"]?.GetValue<string>() ?? allowed[0];
        if (!allowed.Contains(metricName))
        {
            throw Error($"{path}.metric", $"a {kindName} task is scored by one of: {string.Join(", ", allowed)}; not {metricName}");
        }

        var metric = metricName switch
        {
            "accuracy" => MetricKind.Accuracy,
            "macro-f1" => MetricKind.MacroF1,
            "micro-f1" => MetricKind.MicroF1,
            "mse" => MetricKind.Mse,
            "rmse" => MetricKind.Rmse,
            _ => MetricKind.Mae,
        };
        if (t["direction"]?.GetValue<string>() is { } dir)
        {
            bool higher = TaskInfo.DirectionOf(metric) == MetricDirection.HigherIsBetter;
            if ((dir == "higher") != higher)
            {
                throw Error($"{path}.direction", $"{metricName} is better when {(higher ? "higher" : "lower")}; the direction must be \"{(higher ? "higher" : "lower")}\"");
            }
        }

        if (t["standardize"] is not null && kind != TaskKind.Regression)
        {
            throw Error($"{path}.standardize", "only regression targets are standardised");
        }

        return new TaskSpec
        {
            Name = t["name"]!.GetValue<string>(),
            Kind = kind,
            Column = column,
            Columns = columns,
            Metric = metric,
            Standardize = t["standardize"]?.GetValue<bool>() ?? true,
            Input = input,
            Encoder = t["encoder"]?.GetValue<string>(),
            Dataset = dataset,
            LeaveOut = leaveOut,
        };
    }

    private ModelSpec ReadModel(JsonObject m, DataSource data, IReadOnlyList<TaskSpec> tasks)
    {
        if ((m["type"]!.GetValue<string>() == "multi-input") != data is MultiInputSource)
        {
            throw Error(data is MultiInputSource ? "model.type" : "data.type", "multi-input data (several named inputs) and the multi-input model (model.type \"multi-input\") go together");
        }

        if (data is MultiInputSource multi)
        {
            return ReadMultiInputModel(m, multi, tasks);
        }

        for (int i = 0; i < tasks.Count; i++)
        {
            if (tasks[i].Encoder is not null)
            {
                throw Error("tasks", $"task '{tasks[i].Name}' names an encoder; encoders belong to the multi-input model (model.type \"multi-input\")");
            }
        }

        if (m["type"]!.GetValue<string>() == "sentence")
        {
            return ReadSentenceModel(m, data, tasks);
        }

        if (data is EwtSource && tasks.Any(t => t.Kind == TaskKind.Classification))
        {
            throw Error("model.type", "sentence-level classification tasks (genre) need the sentence model (model.type \"sentence\")");
        }

        if (m["type"]!.GetValue<string>() == "tagger")
        {
            if (data is not EwtSource)
            {
                throw Error("model.type", "a tagger needs sentence data (ud-english-ewt)");
            }

            return new TaggerModelSpec
            {
                Method = m["method"]!.GetValue<string>() switch
                {
                    "single-task" => TaggingMethod.SingleTask,
                    "hard-sharing" => TaggingMethod.HardSharing,
                    "low-supervision" => TaggingMethod.LowSupervision,
                    "cross-stitch" => TaggingMethod.CrossStitch,
                    _ => TaggingMethod.Sluice,
                },
                Connection = m["connection"]?.GetValue<string>() switch
                {
                    null => null,
                    "stitch" => LayerConnection.Stitch,
                    "concat" => LayerConnection.Concat,
                    "skip" => LayerConnection.Skip,
                    _ => LayerConnection.Last,
                },
                AlphaInit = m["alphaInit"]?.GetValue<string>() switch { null => null, "balanced" => AlphaInit.Balanced, _ => AlphaInit.Imbalanced },
                AlphaLearned = m["alphaLearned"]?.GetValue<bool>(),
                Subspaces = m["subspaces"]?.GetValue<int>(),
                Orthogonality = Float(m["orthogonality"]),
                InputNoise = Float(m["inputNoise"]) ?? 0f,
                WordDropout = Float(m["wordDropout"]) ?? 0f,
            };
        }

        if (data is EwtSource)
        {
            throw Error("model.type", "sentence data (ud-english-ewt) needs the tagger model (tagging tasks) or the sentence model (genre)");
        }

        switch (m["type"]!.GetValue<string>())
        {
            case "mmoe":
                if (m["gate"]?.GetValue<string>() == "dselect-k" && m["experts"]!.GetValue<int>() < 2)
                {
                    throw Error("model.experts", "DSelect-k gates choose among at least 2 experts");
                }

                return new MmoeModelSpec
                {
                    Experts = m["experts"]!.GetValue<int>(),
                    ExpertSizes = Ints(m["expertSizes"]),
                    Gates = m["gates"]?.GetValue<string>() == "one" ? GateMode.One : GateMode.PerTask,
                    TowerSizes = Ints(m["towerSizes"]),
                    DSelect = m["gate"]?.GetValue<string>() == "dselect-k"
                        ? new DSelectOptions
                        {
                            Selectors = m["selectors"]?.GetValue<int>() ?? 2,
                            Gamma = Float(m["gamma"]) ?? 1f,
                            Entropy = Float(m["gateEntropy"]) ?? 1e-3f,
                        }
                        : null,
                };
            case "film":
                return new TaskConditionedModelSpec
                {
                    ExpertSizes = Ints(m["sizes"]),
                    EmbeddingSize = m["embeddingSize"]?.GetValue<int>() ?? 8,
                    TowerSizes = Ints(m["towerSizes"]),
                };
            case "sluice":
                return new SluiceModelSpec
                {
                    Layers = ColumnLayers(m),
                    ExpertSizes = Ints(m["sizes"]),
                    Subspaces = m["subspaces"]?.GetValue<int>() ?? 2,
                    LayerMixing = m["layerMixing"]?.GetValue<bool>() ?? true,
                    Orthogonality = Float(m["orthogonality"]) ?? 0.1f,
                    TowerSizes = Ints(m["towerSizes"]),
                };
            case "branching":
                return new BranchingModelSpec
                {
                    ExpertSizes = [m["width"]!.GetValue<int>()],
                    Nodes = Ints(m["nodes"]),
                    TowerSizes = Ints(m["towerSizes"]),
                };
            case "adashare":
                {
                    var d = new AdaShareOptions();
                    return new AdaShareModelSpec
                    {
                        ExpertSizes = [m["width"]!.GetValue<int>()],
                        Blocks = m["blocks"]?.GetValue<int>() ?? 4,
                        TowerSizes = Ints(m["towerSizes"]),
                        Options = new AdaShareOptions
                        {
                            Temperature = Float(m["temperature"]) ?? d.Temperature,
                            Decay = Float(m["temperatureDecay"]) ?? d.Decay,
                            DecaySteps = m["decaySteps"]?.GetValue<int>() ?? d.DecaySteps,
                            WarmupSteps = m["warmupSteps"]?.GetValue<long>() ?? d.WarmupSteps,
                            CurriculumSteps = m["curriculumSteps"]?.GetValue<long>() ?? d.CurriculumSteps,
                            Sparsity = Float(m["sparsity"]) ?? d.Sparsity,
                            Sharing = Float(m["sharing"]) ?? d.Sharing,
                        },
                    };
                }

            case "mtan":
                return new TaskAttentionModelSpec
                {
                    ExpertSizes = Ints(m["sizes"]),
                    TowerSizes = Ints(m["towerSizes"]),
                };
            case "cross-stitch":
                return new CrossStitchModelSpec
                {
                    Layers = ColumnLayers(m),
                    ExpertSizes = Ints(m["sizes"]),
                    SelfWeight = Float(m["selfWeight"]) ?? 0.9f,
                    ChannelWise = m["channelWise"]?.GetValue<bool>() ?? false,
                    TowerSizes = Ints(m["towerSizes"]),
                };
            case "soft-order":
                return new SoftOrderModelSpec
                {
                    Layers = m["layers"]!.GetValue<int>(),
                    Depth = m["depth"]?.GetValue<int>() ?? m["layers"]!.GetValue<int>(),
                    ExpertSizes = [m["width"]!.GetValue<int>()],
                    TowerSizes = Ints(m["towerSizes"]),
                };
            case "ple":
                return new PleModelSpec
                {
                    Levels = m["levels"]?.GetValue<int>() ?? 1,
                    SharedExperts = m["sharedExperts"]!.GetValue<int>(),
                    TaskExperts = m["taskExperts"]!.GetValue<int>(),
                    ExpertSizes = Ints(m["expertSizes"]),
                    TowerSizes = Ints(m["towerSizes"]),
                };
        }

        return ReadRouted(m, "model");
    }

    private RoutedModelSpec ReadRouted(JsonObject m, string at)
    {
        var router = m["router"]?.GetValue<string>() switch
        {
            null or "gumbel" => RouterKind.Gumbel,
            "shared-bottom" => RouterKind.SharedBottom,
            "no-sharing" => RouterKind.NoSharing,
            "single-task" => RouterKind.SingleTask,
            "moe" => RouterKind.Moe,
            _ => RouterKind.Fixed,
        };
        int[][]? allocation = (m["allocation"] as JsonArray)?.Select(r => ((JsonArray)r!).Select(v => v!.GetValue<int>()).ToArray()).ToArray();
        if (router == RouterKind.Fixed && allocation is null)
        {
            throw Error($"{at}.router", "router \"fixed\" needs \"allocation\" (tasks × components of 0/1)");
        }

        if (router != RouterKind.Fixed && allocation is not null)
        {
            throw Error($"{at}.allocation", "an allocation is only used with router \"fixed\"");
        }

        var layers = ((JsonArray)m["layers"]!).Select((l, i) => ReadLayer((JsonObject)l!, $"{at}.layers[{i}]")).ToArray();
        int[] headSizes = (m["headSizes"] as JsonArray)?.Select(x => x!.GetValue<int>()).ToArray() ?? [];
        if (headSizes.Length > 0 && m["heads"]?.GetValue<bool>() == false)
        {
            throw Error($"{at}.headSizes", "head hidden layers need heads; remove headSizes or set heads to true");
        }

        if (layers.All(l => l is PoolLayerSpec or SharedConvLayerSpec or NormLayerSpec))
        {
            throw Error($"{at}.layers", "expected at least one routed layer (mlp, conv, group or modules)");
        }

        int[]? topK = (m["topK"] as JsonArray)?.Select(x => x!.GetValue<int>()).ToArray();
        string? moeKey = topK is not null ? "topK" : m["expertBalance"] is not null ? "expertBalance" : m["gateNoise"] is not null ? "gateNoise" : null;
        if (moeKey is not null && router != RouterKind.Moe)
        {
            throw Error($"{at}.{moeKey}", "topK, expertBalance and gateNoise configure the per-example gates of router \"moe\"");
        }

        int routedCount = layers.Count(l => l is MlpLayerSpec or ConvLayerSpec or GroupLayerSpec or ModulesLayerSpec);
        if (topK is not null && topK.Length != routedCount)
        {
            throw Error($"{at}.topK", $"expected one k per routed layer ({routedCount}), got {topK.Length}");
        }

        var temp = m["temperature"] as JsonObject;
        return new RoutedModelSpec
        {
            Router = router,
            Allocation = allocation,
            PInit = Float(m["pInit"]) ?? 0.5f,
            Budget = Float(m["budget"]),
            BudgetLambda = Float(m["budgetLambda"]) ?? 1f,
            SoftSharing = Float(m["softSharing"]) ?? 0f,
            Combine = m["combine"]?.GetValue<string>() is { } cn ? ConfigNames.Combines[cn] : CombineMode.Mean,
            Temperature = temp is null ? TemperatureSchedule.Annealed
                : new TemperatureSchedule(Float(temp["initial"]) ?? TemperatureSchedule.Annealed.Initial, Float(temp["minimum"]) ?? TemperatureSchedule.Annealed.Minimum),
            Layers = layers,
            Heads = m["heads"]?.GetValue<bool>() ?? true,
            HeadSizes = headSizes,
            Dropout = Float(m["dropout"]) ?? 0f,
            L2 = Float(m["l2"]) ?? 0f,
            TopK = topK,
            ExpertBalance = Float(m["expertBalance"]) ?? 0.1f,
            GateNoise = m["gateNoise"]?.GetValue<bool>() ?? true,
        };
    }

    private MultiInputModelSpec ReadMultiInputModel(JsonObject m, MultiInputSource data, IReadOnlyList<TaskSpec> tasks)
    {
        var encoders = new List<KeyValuePair<string, InputEncoderSpec>>();
        foreach (var (name, node) in (JsonObject)m["encoders"]!)
        {
            var e = (JsonObject)node!;
            string at = $"model.encoders.{name}";
            var kind = e["type"]!.GetValue<string>() switch
            {
                "conv" => InputEncoderKind.Conv,
                "tokens" => InputEncoderKind.Tokens,
                "sentence" => InputEncoderKind.Sentence,
                "trigram" => InputEncoderKind.Trigram,
                _ => InputEncoderKind.Dense,
            };
            var (owner, keys) = kind switch
            {
                InputEncoderKind.Conv => ("conv", new[] { "filters", "kernel" }),
                InputEncoderKind.Trigram => ("trigram", ["buckets"]),
                InputEncoderKind.Tokens or InputEncoderKind.Sentence => ("tokens and sentence", ["hidden", "layers"]),
                _ => ("dense", []),
            };
            foreach (string key in new[] { "filters", "kernel", "buckets", "hidden", "layers" })
            {
                if (e[key] is not null && !keys.Contains(key))
                {
                    throw Error($"{at}.{key}", $"does not configure a {e["type"]!.GetValue<string>()} encoder (the {owner} encoder takes: {(keys.Length == 0 ? "nothing" : string.Join(", ", keys))})");
                }
            }

            encoders.Add(new(name, new InputEncoderSpec
            {
                Kind = kind,
                Filters = e["filters"]?.GetValue<int>() ?? 8,
                Kernel = e["kernel"]?.GetValue<int>() ?? 5,
                Buckets = e["buckets"]?.GetValue<int>() ?? 16384,
                Hidden = e["hidden"]?.GetValue<int>() ?? 64,
                Layers = e["layers"]?.GetValue<int>() ?? 1,
            }));
        }

        var readBy = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i];
            string name = task.Encoder ?? task.Input!;
            string at = task.Encoder is null ? $"tasks[{i}]" : $"tasks[{i}].encoder";
            var spec = encoders.FirstOrDefault(kv => kv.Key == name).Value
                ?? throw Error(at, $"no encoder '{name}' in model.encoders{(task.Encoder is null ? " (a task reads the encoder named like its input unless it names one in \"encoder\")" : "")}; the encoders are: {string.Join(", ", encoders.Select(kv => kv.Key))}");
            var source = data.Input(task.Input!)!;
            InputEncoderKind[] fits = (source, task.Kind) switch
            {
                (IdxImageSource, _) => [InputEncoderKind.Conv],
                (CsvSource, _) => [InputEncoderKind.Dense],
                (EwtSource, TaskKind.SequenceTagging) => [InputEncoderKind.Tokens],
                _ => [InputEncoderKind.Trigram, InputEncoderKind.Sentence],
            };
            if (!fits.Contains(spec.Kind))
            {
                throw Error(at, $"task '{task.Name}' ({KindName(task.Kind)} on input '{task.Input}') needs a {string.Join(" or ", fits.Select(f => f.ToString().ToLowerInvariant()))} encoder; '{name}' is {spec.Kind.ToString().ToLowerInvariant()}");
            }

            if (readBy.TryGetValue(name, out string? other) && other != task.Input)
            {
                throw Error(at, $"encoder '{name}' reads input '{other}'; task '{task.Name}' reads '{task.Input}' (an encoder reads one input)");
            }

            readBy[name] = task.Input!;
            if (source is EwtSource { TrainGenre: not "all" } ewt && task.Kind == TaskKind.Classification)
            {
                throw Error($"data.inputs.{task.Input}.trainGenre", $"the genre task needs sentences of every genre; set trainGenre to \"all\" (got \"{ewt.TrainGenre}\")");
            }
        }

        RoutedModelSpec? core = null;
        int[] coreSizes = [64];
        if (m["core"] is JsonObject c)
        {
            if (c["type"]?.GetValue<string>() == "dense")
            {
                coreSizes = Ints(c["sizes"]);
            }
            else
            {
                core = ReadRouted(c, "model.core");
            }
        }

        return new MultiInputModelSpec
        {
            Width = m["width"]?.GetValue<int>() ?? 64,
            Encoders = encoders,
            Core = core,
            CoreSizes = coreSizes,
            SeparateEncoders = m["separateEncoders"]?.GetValue<bool>() ?? false,
        };
    }

    private static string KindName(TaskKind kind) => kind switch
    {
        TaskKind.Classification => "classification",
        TaskKind.MultiLabel => "multi-label",
        TaskKind.Regression => "regression",
        _ => "sequence-tagging",
    };

    private SentenceModelSpec ReadSentenceModel(JsonObject m, DataSource data, IReadOnlyList<TaskSpec> tasks)
    {
        if (data is not EwtSource ewt)
        {
            throw Error("model.type", "the sentence model reads sentences (ud-english-ewt data)");
        }

        for (int i = 0; i < tasks.Count; i++)
        {
            if (tasks[i].Kind != TaskKind.Classification)
            {
                throw Error("tasks", $"the sentence model predicts one class per sentence; task '{tasks[i].Name}' is not a classification task");
            }
        }

        if (ewt.TrainGenre != "all")
        {
            throw Error("data.trainGenre", $"the genre task needs sentences of every genre; set data.trainGenre to \"all\" (got \"{ewt.TrainGenre}\")");
        }

        var spec = new SentenceModelSpec
        {
            Encoder = m["encoder"]!.GetValue<string>() switch
            {
                "trigram" => SentenceEncoderKind.Trigram,
                "bilstm" => SentenceEncoderKind.BiLstm,
                _ => SentenceEncoderKind.Prior,
            },
            Buckets = m["buckets"]?.GetValue<int>() ?? 16384,
            Normalization = m["normalization"]?.GetValue<string>() switch
            {
                null or "l2" => Data.Text.BagNormalization.L2,
                "log" => Data.Text.BagNormalization.Log,
                _ => Data.Text.BagNormalization.Counts,
            },
            Lowercase = m["lowercase"]?.GetValue<bool>() ?? true,
            Width = m["width"]?.GetValue<int>() ?? 128,
            CoreSizes = m["coreSizes"] is JsonArray core ? Ints(core) : [128],
            Layers = m["layers"]?.GetValue<int>() ?? 1,
            Hidden = m["hidden"]?.GetValue<int>() ?? 100,
            Pooling = m["pooling"]?.GetValue<string>() == "max" ? Models.MultiInput.SentencePooling.Max : Models.MultiInput.SentencePooling.Mean,
        };
        foreach (string key in new[] { "buckets", "normalization", "lowercase" })
        {
            if (m[key] is not null && spec.Encoder != SentenceEncoderKind.Trigram)
            {
                throw Error($"model.{key}", "configures the letter-trigram encoder (model.encoder \"trigram\")");
            }
        }

        foreach (string key in new[] { "layers", "hidden", "pooling" })
        {
            if (m[key] is not null && spec.Encoder != SentenceEncoderKind.BiLstm)
            {
                throw Error($"model.{key}", "configures the BiLSTM encoder (model.encoder \"bilstm\")");
            }
        }

        return spec;
    }

    /// <summary>Cross-stitch and sluice: the conv columns' stages (<c>model.layers</c>), or null for dense columns (<c>model.sizes</c>).</summary>
    private List<LayerSpec>? ColumnLayers(JsonObject m)
    {
        string type = m["type"]!.GetValue<string>();
        if ((m["layers"] is null) == (m["sizes"] is null))
        {
            throw Error("model", $"a {type} model needs either \"sizes\" (dense columns) or \"layers\" (conv columns: conv, maxpool and mlp stages), not {(m["layers"] is null ? "neither" : "both")}");
        }

        if (m["layers"] is not JsonArray layers)
        {
            return null;
        }

        var specs = new List<LayerSpec>();
        for (int i = 0; i < layers.Count; i++)
        {
            var l = (JsonObject)layers[i]!;
            string path = $"model.layers[{i}]";
            string kind = l["type"]!.GetValue<string>();
            if (kind is not ("conv" or "maxpool" or "mlp"))
            {
                throw Error($"{path}.type", $"{type} columns are built of conv, maxpool and mlp layers, got \"{kind}\"");
            }

            if (l["components"] is { } c && c.GetValue<int>() != 1)
            {
                throw Error($"{path}.components", $"{type} columns have one {kind} per task; components must be 1 (or left out)");
            }

            specs.Add(kind switch
            {
                "conv" => new ConvLayerSpec(1, l["filters"]!.GetValue<int>(), l["kernel"]!.GetValue<int>()),
                "maxpool" => new PoolLayerSpec(l["kernel"]!.GetValue<int>(), l["stride"]?.GetValue<int>() ?? l["kernel"]!.GetValue<int>(), PoolingKind.Max),
                _ => new MlpLayerSpec(1, Ints(l["sizes"]), l["outputRelu"]?.GetValue<bool>() ?? true),
            });
        }

        if (!specs.Any(s => s is ConvLayerSpec or MlpLayerSpec))
        {
            throw Error("model.layers", "expected at least one conv or mlp layer");
        }

        return specs;
    }

    private static int[] Ints(JsonNode? n) => (n as JsonArray)?.Select(x => x!.GetValue<int>()).ToArray() ?? [];

    private LayerSpec ReadLayer(JsonObject l, string path) => l["type"]!.GetValue<string>() switch
    {
        "mlp" => Mlp(l),
        "modules" => Modules(l, path),
        "sharedconv" => new SharedConvLayerSpec(
            l["filters"]!.GetValue<int>(), l["kernel"]!.GetValue<int>(), l["kernel"]!.GetValue<int>(), l["stride"]?.GetValue<int>() ?? 1,
            l["padding"]?.GetValue<string>() == "valid" ? PaddingMode.Valid : PaddingMode.Same, l["groupNorm"]?.GetValue<int>() ?? 0),
        "norm" => new NormLayerSpec(l["groups"]!.GetValue<int>(), l["relu"]?.GetValue<bool>() ?? true),
        "conv" => new ConvLayerSpec(l["components"]!.GetValue<int>(), l["filters"]!.GetValue<int>(), l["kernel"]!.GetValue<int>()),
        "group" => new GroupLayerSpec(((JsonArray)l["members"]!).Select(x => Mlp((JsonObject)x!)).ToArray()),
        "maxpool" => new PoolLayerSpec(l["kernel"]!.GetValue<int>(), l["stride"]?.GetValue<int>() ?? l["kernel"]!.GetValue<int>(), PoolingKind.Max),
        _ => new PoolLayerSpec(l["kernel"]!.GetValue<int>(), l["stride"]?.GetValue<int>() ?? l["kernel"]!.GetValue<int>()),
    };

    private ModulesLayerSpec Modules(JsonObject l, string path)
    {
        int filters = l["filters"]!.GetValue<int>(), groups = l["groupNorm"]?.GetValue<int>() ?? 0;
        if (groups > 0 && filters % groups != 0)
        {
            throw Error($"{path}.groupNorm", $"GroupNorm with {groups} groups needs a multiple of {groups} filters, got {filters}");
        }

        var comps = ((JsonArray)l["components"]!).Select((c, i) => Component((JsonObject)c!, $"{path}.components[{i}]")).ToArray();
        return new ModulesLayerSpec(comps, filters, l["stride"]?.GetValue<int>() ?? 1, groups);
    }

    private ComponentSpec Component(JsonObject c, string path)
    {
        int count = c["count"]?.GetValue<int>() ?? 1;
        switch (c["type"]!.GetValue<string>())
        {
            case "conv":
            {
                var ops = ((JsonArray)c["ops"]!).Select((o, i) => Kernel(o!.GetValue<string>(), $"{path}.ops[{i}]")).ToArray();
                return new ComponentSpec(ComponentKind.Conv, ops, 0, count);
            }

            case "maxpool":
                return new ComponentSpec(ComponentKind.MaxPool, [], c["kernel"]!.GetValue<int>(), count);
            case "avgpool":
                return new ComponentSpec(ComponentKind.AvgPool, [], c["kernel"]!.GetValue<int>(), count);
            default:
                return new ComponentSpec(ComponentKind.Identity, [], 0, count);
        }
    }

    private (int H, int W) Kernel(string text, string path)
    {
        string[] parts = text.Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int h) && h >= 1
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int w) && w >= 1)
        {
            return (h, w);
        }

        throw Error(path, $"expected a kernel written HxW (e.g. \"3x3\", \"1x7\"), got \"{text}\"");
    }

    private static MlpLayerSpec Mlp(JsonObject l) =>
        new(l["components"]!.GetValue<int>(), ((JsonArray)l["sizes"]!).Select(x => x!.GetValue<int>()).ToArray(), l["outputRelu"]?.GetValue<bool>() ?? true);

    private static Dictionary<string, double> Numbers(JsonObject? o) =>
        o?.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>(), StringComparer.Ordinal) ?? new Dictionary<string, double>(StringComparer.Ordinal);

    private StrategySpec ReadStrategy(JsonObject? s)
    {
        var sampler = s?["sampler"]?.GetValue<string>() is { } sn ? ConfigNames.Samplers[sn] : (SamplerKind?)null;
        var aggregator = s?["aggregator"]?.GetValue<string>() is { } an ? ConfigNames.Aggregators[an] : AggregatorKind.None;
        var weighting = s?["weighting"]?.GetValue<string>() is { } wn ? ConfigNames.Weightings[wn] : (LossWeightingKind?)null;
        if (aggregator != AggregatorKind.None && weighting is not null)
        {
            throw Error("strategy.aggregator", "a gradient aggregator combines the unweighted per-task gradients; it cannot be used with a loss weighting (choose one)");
        }

        if (aggregator != AggregatorKind.None && sampler is not null and not SamplerKind.All)
        {
            throw Error("strategy.aggregator", $"an aggregator combines the gradients of several tasks in one step, but sampler {s!["sampler"]!.GetValue<string>()} trains one task per step; use sampler \"all\"");
        }

        var gradients = s?["gradients"]?.GetValue<string>() == "representation" ? GradientSpace.Representation : GradientSpace.Parameters;
        if (gradients == GradientSpace.Representation && aggregator == AggregatorKind.None)
        {
            throw Error("strategy.gradients", "representation gradients are combined by a gradient aggregator; name one in strategy.aggregator (e.g. \"mgda\" for MGDA-UB)");
        }

        var samplerOptions = Numbers(s?["samplerOptions"] as JsonObject);
        var aggregatorOptions = Numbers(s?["aggregatorOptions"] as JsonObject);
        if (samplerOptions.Count > 0 && sampler != SamplerKind.Adaptive)
        {
            throw Error("strategy.samplerOptions", "only the adaptive sampler takes options (tau, target.TASK)");
        }

        foreach (string key in samplerOptions.Keys)
        {
            if (key != "tau" && !key.StartsWith("target.", StringComparison.Ordinal))
            {
                throw Error("strategy.samplerOptions", $"adaptive has no option {key}; it takes tau and target.TASK");
            }
        }
        var weightingOptions = Numbers(s?["weightingOptions"] as JsonObject);
        try
        {
            Aggregators.Create(aggregator, new Tensors.Rng(0), new StrategyOptions(aggregatorOptions));
        }
        catch (ArgumentException e)
        {
            throw Error("strategy.aggregatorOptions", e.Message);
        }

        try
        {
            if (weighting is { } wk)
            {
                LossWeightings.Create(wk, 2, new Tensors.Rng(0), options: new StrategyOptions(weightingOptions));
            }
            else if (weightingOptions.Count > 0)
            {
                throw new ArgumentException("options without a weighting");
            }
        }
        catch (ArgumentException e)
        {
            throw Error("strategy.weightingOptions", e.Message);
        }

        return new StrategySpec
        {
            Sampler = sampler,
            SamplingTemperature = s?["samplingTemperature"]?.GetValue<double>() ?? 2.0,
            Weighting = weighting,
            Aggregator = aggregator,
            AggregatorOptions = aggregatorOptions,
            Gradients = gradients,
            SamplerOptions = samplerOptions,
            WeightingOptions = weightingOptions,
        };
    }
}
