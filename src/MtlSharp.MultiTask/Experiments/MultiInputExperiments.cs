using System.Globalization;
using MtlSharp.Data.Tasks;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.MultiInput;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Strategies;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Training.Callbacks;
using MtlSharp.NN;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>
/// Runs over several data sources (<c>data.type</c> "multi-input", <c>model.type</c> "multi-input"): each task reads
/// one named input (idx-images, ud-english-ewt, csv) through its encoder, all encoders feed one shared core (dense or
/// routed: shared-bottom, Gumbel-Matrix, single-task, …), a head per task. Trained through the one loop on
/// <see cref="ExampleTrainingData"/> (each task its own examples and data order), selected on each task's validation
/// examples, tested on its test examples.
/// </summary>
/// <remarks>
/// Splits: images keep their last 5,000 training images (a twelfth for smaller sets) for validation; csv inputs use
/// their validation split; EWT uses train / dev / test (for tagging and the genre task alike). Random streams: the
/// seed's root gives the initialisation stream, one data-order stream per task, then the sampler's, the aggregator's,
/// the noise stream and the weighting's. Schedule: <c>schedule.rounds</c> (default 3000) × scale updates of
/// <c>schedule.batchSize</c> (default 32) examples per task read, <c>schedule.evaluations</c> (default 10) validations.
/// </remarks>
public static class MultiInputExperiments
{
    private sealed record TaskExamples(TaskInfo Info, ITaskExamples Train, ITaskExamples Dev, ITaskExamples Test);

    private sealed record EncoderInput(int[]? ImageShape, int Features, Vocabulary? Words, Vocabulary? Chars);

    /// <summary>Builds the run of <paramref name="c"/> (model <paramref name="m"/>) for <paramref name="seed"/>; <paramref name="scale"/> multiplies the number of updates.</summary>
    public static RunPlan Build(RunConfig c, MultiInputModelSpec m, int seed, double scale)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(m);
        var source = (MultiInputSource)c.Data;
        if (c.Strategy.Gradients == GradientSpace.Representation && c.Tasks.Count > 1)
        {
            throw new ArgumentException("strategy.gradients \"representation\" needs one representation of the same rows for every task; the tasks of a multi-input run read different inputs (use parameter gradients).");
        }

        var ci = CultureInfo.InvariantCulture;
        var description = new Dictionary<string, string>();
        var examples = new TaskExamples[c.Tasks.Count];
        var formats = new TaskInputFormat[c.Tasks.Count];
        var inputInfo = new Dictionary<string, EncoderInput>(StringComparer.Ordinal);
        foreach (var (name, input) in source.Inputs)
        {
            int[] readers = Enumerable.Range(0, c.Tasks.Count).Where(t => c.Tasks[t].Input == name).ToArray();
            if (readers.Length == 0)
            {
                continue;
            }

            var specs = readers.Select(t => c.Tasks[t]).ToArray();
            switch (input)
            {
                case IdxImageSource idx:
                {
                    var (tasks, shape) = ConfigRunBuilder.Images(idx, specs);
                    for (int k = 0; k < readers.Length; k++)
                    {
                        var train = new SplitExamples(tasks[k].Train);
                        int valid = Math.Min(5000, train.Count / 12);
                        examples[readers[k]] = new TaskExamples(tasks[k].Info, new ExampleRange(train, 0, train.Count - valid), new ExampleRange(train, train.Count - valid, valid), new SplitExamples(tasks[k].Test));
                        formats[readers[k]] = new TaskInputFormat { Input = name, Kind = TaskInputKind.Images, ImageShape = shape };
                    }

                    inputInfo[name] = new EncoderInput(shape, 0, null, null);
                    description[$"input/{name}"] = $"images {string.Join("x", shape)}: train {tasks[0].Train.Count - Math.Min(5000, tasks[0].Train.Count / 12)}, valid {Math.Min(5000, tasks[0].Train.Count / 12)}, test {tasks[0].Test.Count}";
                    break;
                }

                case CsvSource csvSource:
                {
                    var csv = CsvTaskSet.Load(csvSource, specs);
                    if (csv.Embedded.Count > 0)
                    {
                        throw new ArgumentException($"data.inputs.{name}: the dense encoder reads one-hot categorical columns; set \"categorical\": \"one-hot\".");
                    }

                    for (int k = 0; k < readers.Length; k++)
                    {
                        var t = csv.Tasks[k];
                        var valid = t.Valid ?? throw new ArgumentException($"data.inputs.{name}: a multi-input run selects on validation rows; give the csv input a validation split (split.valid > 0).");
                        examples[readers[k]] = new TaskExamples(t.Info, new SplitExamples(t.Train), new SplitExamples(valid), new SplitExamples(t.Test));
                        formats[readers[k]] = new TaskInputFormat
                        {
                            Input = name,
                            Kind = TaskInputKind.Rows,
                            Csv = csv,
                            CsvTask = k,
                            Labels = csv.Labels[k].Kind == TaskKind.Classification ? csv.Labels[k].Classes : null,
                        };
                    }

                    inputInfo[name] = new EncoderInput(null, csv.InputWidth, null, null);
                    description[$"input/{name}"] = $"csv rows of {csv.InputWidth.ToString(ci)} features: train {csv.Tasks[0].Train.Count}, valid {csv.Tasks[0].Valid!.Count}, test {csv.Tasks[0].Test.Count}";
                    break;
                }

                case EwtSource ewt:
                {
                    var corpus = EwtCorpus.Load(ewt.Path);
                    var train = corpus.Of("train", ewt.TrainGenre);
                    var dev = corpus.Of("dev", ewt.TrainGenre);
                    var test = corpus.Test;
                    var tagging = specs.Where(s => s.Kind == TaskKind.SequenceTagging)
                        .Select(s => TaggingTask.FromColumn(s.Name, ConfigRunBuilder.Column(s.Column!), corpus.Train, withUnknown: true)).ToArray();
                    var words = Vocabulary.ForWords(train);
                    var chars = Vocabulary.ForCharacters(train);
                    var batcher = new SentenceBatcher(words, tagging, chars, CharLayout.Padded, new TaggerConfig().MaxWordChars);
                    for (int k = 0; k < readers.Length; k++)
                    {
                        var spec = specs[k];
                        if (spec.Kind == TaskKind.SequenceTagging)
                        {
                            int index = Array.FindIndex(tagging, g => g.Name == spec.Name);
                            var info = TaskInfo.Create(spec.Name, TaskKind.SequenceTagging, tagging[index].NumTags, spec.Metric);
                            examples[readers[k]] = new TaskExamples(info, new SentenceTagExamples(train, batcher, index), new SentenceTagExamples(dev, batcher, index), new SentenceTagExamples(test, batcher, index));
                            formats[readers[k]] = new TaskInputFormat { Input = name, Kind = TaskInputKind.Sentences, Batcher = batcher, TagSet = index, Labels = tagging[index].Tags.Tokens };
                            continue;
                        }

                        string encoderName = spec.Encoder ?? spec.Input!;
                        var encoder = m.Encoders.First(e => e.Key == encoderName).Value;
                        Func<IReadOnlyList<TaggedSentence>, Func<int[], BatchInput>> inputs;
                        LetterTrigramHasher? bagHasher = null;
                        if (encoder.Kind == InputEncoderKind.Trigram)
                        {
                            var hasher = new LetterTrigramHasher(encoder.Buckets);
                            bagHasher = hasher;
                            inputs = sentences =>
                            {
                                var bags = sentences.Select(s => hasher.Bag(s.Words)).ToArray();
                                return rows => new BagInput(rows.Select(r => bags[r]).ToArray());
                            };
                        }
                        else
                        {
                            inputs = sentences => rows => new SentenceInput(batcher.Create(sentences, rows));
                        }

                        LabelledExamples Genre(IReadOnlyList<TaggedSentence> sentences) =>
                            new(sentences.Select(s => s.Genre is { } g ? IndexOfGenre(g) : -1).ToArray(), inputs(sentences));
                        var genreInfo = TaskInfo.Create(spec.Name, TaskKind.Classification, UdEnglishEwt.Genres.Count, spec.Metric);
                        examples[readers[k]] = new TaskExamples(genreInfo, Genre(train), Genre(dev), Genre(test));
                        formats[readers[k]] = new TaskInputFormat
                        {
                            Input = name,
                            Kind = TaskInputKind.Sentences,
                            Hasher = bagHasher,
                            Batcher = bagHasher is null ? batcher : null,
                            Labels = UdEnglishEwt.Genres,
                        };
                    }

                    inputInfo[name] = new EncoderInput(null, 0, words, chars);
                    description[$"input/{name}"] = $"EWT sentences ({ewt.TrainGenre}): train {train.Count}, dev {dev.Count}, test {test.Count}";
                    break;
                }

                default:
                    throw new ArgumentException($"data.inputs.{name}: a multi-input run reads idx-images, ud-english-ewt or csv inputs.");
            }
        }

        if (source.TrainLimit is { } tl || source.EvaluationLimit is not null)
        {
            for (int t = 0; t < examples.Length; t++)
            {
                var e = examples[t];
                static ITaskExamples Cut(ITaskExamples x, int? limit) => limit is { } n && n < x.Count ? new ExampleRange(x, 0, n) : x;
                examples[t] = e with { Train = Cut(e.Train, source.TrainLimit), Dev = Cut(e.Dev, source.EvaluationLimit), Test = Cut(e.Test, source.EvaluationLimit) };
            }
        }

        var infos = examples.Select(e => e.Info).ToArray();
        var root = new Rng((ulong)seed);
        var initRng = root.Split();
        var orders = c.Tasks.Select(_ => root.Split()).ToArray();
        var samplerRng = root.Split();
        var aggregatorRng = root.Split();
        var noise = root.Split();
        var weightingRng = root.Split();

        // Encoders: one per configured encoder that some task reads (in configuration order), or one per task with separateEncoders.
        var encoders = new List<IInputEncoder>();
        var taskEncoder = new int[c.Tasks.Count];
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, spec) in m.Encoders)
        {
            for (int t = 0; t < c.Tasks.Count; t++)
            {
                if ((c.Tasks[t].Encoder ?? c.Tasks[t].Input) != name)
                {
                    continue;
                }

                if (!m.SeparateEncoders && byName.TryGetValue(name, out int shared))
                {
                    taskEncoder[t] = shared;
                    continue;
                }

                taskEncoder[t] = encoders.Count;
                byName[name] = encoders.Count;
                encoders.Add(CreateEncoder(spec, inputInfo[c.Tasks[t].Input!], m.Width, initRng));
            }
        }

        int[] outputs = infos.Select(i => i.Outputs).ToArray();
        string[] names = infos.Select(i => i.Name).ToArray();
        MultiInputModel model;
        RoutedNetwork? core = null;
        if (m.Core is { } routed)
        {
            core = ConfigRunBuilder.Network(routed, names, outputs, [m.Width], null, initRng);
            model = new MultiInputModel(encoders, taskEncoder, core);
        }
        else
        {
            model = new MultiInputModel(encoders, taskEncoder, m.CoreSizes, outputs, initRng);
        }

        int batch = c.Schedule.BatchSize ?? 32;
        var data = new ExampleTrainingData(infos, examples.Select(e => e.Train).ToArray(), batch, orders);
        var samplerKind = c.Strategy.Sampler ?? SamplerKind.All;
        var sampler = Samplers.Create(samplerKind, data, samplerRng, c.Strategy.SamplingTemperature, new StrategyOptions(c.Strategy.SamplerOptions));
        if (c.Schedule.Epochs is not null)
        {
            throw new ArgumentException("A multi-input run trains by rounds (schedule.rounds: one batch of every task sampled), not epochs: its tasks have different sizes.");
        }

        long rounds = Math.Max(1, (long)Math.Round((c.Schedule.Rounds ?? 3000) * scale));
        long steps = rounds * (sampler.OneTaskPerStep ? c.Tasks.Count : 1);
        int evaluations = c.Schedule.Evaluations ?? 10;
        long every = evaluations <= 0 ? 0 : Math.Max(1, steps / evaluations);
        var weighting = c.Strategy.Weighting is { } wk ? LossWeightings.Create(wk, c.Tasks.Count, weightingRng, Math.Max(1, every), new StrategyOptions(c.Strategy.WeightingOptions)) : null;
        float lr = c.Optimizer.LearningRate ?? 1e-3f;
        float routerLr = c.Optimizer.RouterLearningRate ?? lr;
        var modelParams = model.Parameters(k => k.Role != ParameterRole.Routing);
        var routerParams = model.Parameters(ParameterRole.Routing);
        var groups = new List<OptimizerGroup> { new(modelParams, lr) };
        if (routerParams.Count > 0)
        {
            groups.Add(new OptimizerGroup(routerParams, routerLr));
        }

        if (weighting is { Parameters.Count: > 0 })
        {
            groups.Add(new OptimizerGroup(weighting.Parameters, lr));
        }

        IOptimizer optimizer = c.Optimizer.Type == OptimizerKind.Sgd ? new Sgd(groups) : new Adam(groups);
        int? select = c.Stopping.Select is { } sel ? Array.IndexOf(names, sel) : null;
        bool recurrent = m.Encoders.Any(e => e.Value.Kind is InputEncoderKind.Tokens or InputEncoderKind.Sentence);
        var options = new TrainerOptions
        {
            TotalSteps = steps,
            Optimizers = [optimizer],
            Sampler = sampler,
            Weighting = weighting,
            Aggregator = Aggregators.Create(c.Strategy.Aggregator, aggregatorRng, new StrategyOptions(c.Strategy.AggregatorOptions)),
            GradientSpace = c.Strategy.Gradients,
            ClipNorm = c.Optimizer.ClipNorm ?? 0f,
            EvaluateEvery = every,
            Patience = c.Stopping.Patience ?? 0,
            SelectionTask = select,
            Temperature = m.Core?.Temperature ?? TemperatureSchedule.Annealed,
            Noise = noise,
            RenewArenaEvery = recurrent ? TaggingExperiments.ArenaRenewal : 0,
        };
        var evaluator = new ExampleEvaluator(infos, examples.Select(e => e.Test).ToArray(), examples.Select(e => e.Dev).ToArray(), c.Schedule.EvaluationBatchSize ?? 256);
        var losses = new LossCurveCallback(names, Math.Max(1, every), CurveUnit.Updates);
        var metrics = new MetricCurveCallback(Math.Max(1, every), CurveUnit.Updates);
        var history = core is not null ? new AllocationHistoryCallback(core, Math.Max(1, steps / 20)) : null;
        description["model"] = $"encoders [{string.Join(", ", encoders.Select(e => e.Name))}]{(m.SeparateEncoders ? " (one per task)" : "")} -> width {m.Width.ToString(ci)} -> "
            + (m.Core is { } r ? $"routed core ({r.Router.ToString().ToLowerInvariant()}, {r.Layers.Count.ToString(ci)} layers)" : $"dense core [{string.Join(", ", m.CoreSizes)}] tanh") + " -> heads";
        description["taskEncoders"] = string.Join(", ", names.Select((n, t) => $"{n}:{taskEncoder[t].ToString(ci)}"));
        description["batchSize"] = batch.ToString(ci);
        description["learningRate"] = lr.ToString(ci);
        description["optimizer"] = optimizer is Adam ? "adam" : "sgd";
        description["rounds"] = rounds.ToString(ci);
        description["steps"] = steps.ToString(ci);
        description["evaluateEvery"] = every.ToString(ci);
        description["sampler"] = sampler.Name;
        description["aggregator"] = c.Strategy.Aggregator == AggregatorKind.None ? "none" : c.Strategy.Aggregator.ToString().ToLowerInvariant();
        description["weighting"] = weighting?.Name ?? "none";
        description["parameters"] = model.ParameterCount().ToString(ci);
        return new RunPlan
        {
            Preset = c.Name,
            Method = c.Method,
            Seed = seed,
            Model = model,
            Data = data,
            Evaluator = evaluator,
            Options = options,
            LossCurves = losses,
            MetricCurves = metrics,
            Callbacks = history is null ? [] : [history],
            Configuration = description,
            TaskInputs = formats,
            BuildReport = outcome => core is not null && history is not null
                ? RoutedReports.Build(c.Name, c.Method, seed, core, outcome, losses, metrics, history)
                : new()
                {
                    Preset = c.Name,
                    Method = c.Method,
                    Seed = seed,
                    Tasks = outcome.Tasks,
                    MeanTest = outcome.Tasks.Average(t => t.Test),
                    TrainSeconds = outcome.TrainSeconds,
                    UpdatesPerSecond = outcome.TrainSeconds > 0 ? outcome.Updates / outcome.TrainSeconds : 0,
                    Updates = outcome.Updates,
                    LossCurves = losses.Curves(),
                    MetricCurves = metrics.Curves(),
                },
        };
    }

    private static IInputEncoder CreateEncoder(InputEncoderSpec spec, EncoderInput input, int width, Rng rng) => spec.Kind switch
    {
        InputEncoderKind.Conv => new ConvImageEncoder(input.ImageShape![0], input.ImageShape[1], input.ImageShape[2], spec.Filters, spec.Kernel, width, rng),
        InputEncoderKind.Dense => new DenseEncoder(input.Features, width, rng),
        InputEncoderKind.Trigram => new TrigramBagEncoder(spec.Buckets, width, rng),
        InputEncoderKind.Tokens => new BiLstmTokenEncoder(input.Words!.Count, input.Chars!.Count, new TaggerConfig { Hidden = spec.Hidden }, spec.Layers, width, rng),
        _ => new BiLstmSentenceEncoder(input.Words!.Count, input.Chars!.Count, new TaggerConfig { Hidden = spec.Hidden }, spec.Layers, SentencePooling.Mean, width, rng),
    };

    private static int IndexOfGenre(string genre)
    {
        for (int i = 0; i < UdEnglishEwt.Genres.Count; i++)
        {
            if (UdEnglishEwt.Genres[i] == genre)
            {
                return i;
            }
        }

        return -1;
    }
}
