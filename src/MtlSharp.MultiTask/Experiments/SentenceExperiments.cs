using System.Globalization;
using MtlSharp.Data.Tasks;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.MultiInput;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Reporting;
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
/// Sentence-level classification on UD English-EWT (preset <c>ewt-genre</c>): each sentence's web genre (answers,
/// email, newsgroup, reviews, weblog — the prefix of its <c>sent_id</c>) from its words, with a letter-trigram bag
/// encoder (Liu et al. 2015), a BiLSTM sentence encoder, or the class prior (majority-class baseline), trained on the
/// train split through the one loop, selected on dev after every epoch, tested on test.
/// </summary>
/// <remarks>
/// Random streams: the seed's root gives the initialisation stream, then one data-order stream per task, then the
/// sampler's, the aggregator's, the noise stream and the weighting's. Trigram bags are hashed once per sentence;
/// the BiLSTM's word and character vocabularies come from the train split (unseen words read as &lt;unk&gt;).
/// </remarks>
public static class SentenceExperiments
{
    /// <summary>Builds the run of <paramref name="c"/> (model <paramref name="m"/>) for <paramref name="seed"/>; <paramref name="scale"/> multiplies the epochs' length.</summary>
    public static RunPlan Build(RunConfig c, SentenceModelSpec m, int seed, double scale)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(m);
        var source = (EwtSource)c.Data;
        var corpus = EwtCorpus.Load(source.Path);
        var train = corpus.Train;
        var dev = corpus.Dev;
        var test = corpus.Test;
        var infos = c.Tasks.Select(t => TaskInfo.Create(t.Name, TaskKind.Classification, UdEnglishEwt.Genres.Count, t.Metric)).ToArray();
        if (c.Strategy.Gradients == GradientSpace.Representation && c.Tasks.Count > 1)
        {
            throw new ArgumentException("strategy.gradients \"representation\" is not supported by the sentence model yet (use parameter gradients).");
        }

        var root = new Rng((ulong)seed);
        var initRng = root.Split();
        var orders = c.Tasks.Select(_ => root.Split()).ToArray();
        var samplerRng = root.Split();
        var aggregatorRng = root.Split();
        var noise = root.Split();
        var weightingRng = root.Split();

        Func<IReadOnlyList<TaggedSentence>, Func<int[], BatchInput>> inputs;
        IMultiTaskModel model;
        var format = new TaskInputFormat { Input = "sentences", Kind = TaskInputKind.Sentences, Labels = UdEnglishEwt.Genres };
        var description = new Dictionary<string, string>();
        var ci = CultureInfo.InvariantCulture;
        int[] outputs = infos.Select(i => i.Outputs).ToArray();
        switch (m.Encoder)
        {
            case SentenceEncoderKind.Trigram:
            {
                var hasher = new LetterTrigramHasher(m.Buckets, m.Normalization, m.Lowercase);
                inputs = sentences =>
                {
                    var bags = sentences.Select(s => hasher.Bag(s.Words)).ToArray();
                    return rows => new BagInput(rows.Select(r => bags[r]).ToArray());
                };
                var encoder = new TrigramBagEncoder(m.Buckets, m.Width, initRng);
                format = format with { Hasher = hasher };
                model = new MultiInputModel([encoder], new int[c.Tasks.Count], m.CoreSizes, outputs, initRng);
                description["model"] = $"letter trigrams ({m.Buckets.ToString(ci)} FNV-1a buckets, {m.Normalization.ToString().ToLowerInvariant()}{(m.Lowercase ? ", lower-cased" : "")}) -> dense {m.Width.ToString(ci)} -> tanh -> core [{string.Join(", ", m.CoreSizes)}] tanh -> heads";
                break;
            }

            case SentenceEncoderKind.BiLstm:
            {
                var words = Vocabulary.ForWords(train);
                var chars = Vocabulary.ForCharacters(train);
                var config = new TaggerConfig { Hidden = m.Hidden };
                var batcher = new SentenceBatcher(words, [], chars, CharLayout.Padded, config.MaxWordChars);
                inputs = sentences => rows => new SentenceInput(batcher.Create(sentences, rows));
                var encoder = new BiLstmSentenceEncoder(words.Count, chars.Count, config, m.Layers, m.Pooling, m.Width, initRng);
                format = format with { Batcher = batcher };
                model = new MultiInputModel([encoder], new int[c.Tasks.Count], m.CoreSizes, outputs, initRng);
                description["model"] = $"word {config.WordDim.ToString(ci)} + char BiLSTM {config.CharHidden.ToString(ci)} -> BiLSTM {m.Layers.ToString(ci)}x{m.Hidden.ToString(ci)} -> {m.Pooling.ToString().ToLowerInvariant()} pooling -> dense {m.Width.ToString(ci)} tanh -> core [{string.Join(", ", m.CoreSizes)}] tanh -> heads";
                break;
            }

            default:
            {
                var empty = new SparseBag([], []);
                inputs = _ => rows => new BagInput(rows.Select(_ => empty).ToArray());
                model = new ClassPriorModel(outputs);
                description["model"] = "class prior (one learned bias per task: the majority class)";
                break;
            }
        }

        ITaskExamples[] Examples(IReadOnlyList<TaggedSentence> sentences)
        {
            var input = inputs(sentences);
            int[] labels = sentences.Select(s => s.Genre is { } g ? IndexOf(g) : -1).ToArray();
            return c.Tasks.Select(_ => (ITaskExamples)new LabelledExamples(labels, input)).ToArray();
        }

        var trainSets = Examples(train);
        int batch = c.Schedule.BatchSize ?? 32;
        var data = new ExampleTrainingData(infos, trainSets, batch, orders);
        var samplerKind = c.Strategy.Sampler ?? SamplerKind.All;
        var sampler = Samplers.Create(samplerKind, data, samplerRng, c.Strategy.SamplingTemperature, new StrategyOptions(c.Strategy.SamplerOptions));
        long batchesPerEpoch = (long)Math.Ceiling(train.Count / (double)batch);
        long perEpoch = Math.Max(1, (long)Math.Round(batchesPerEpoch * scale)) * (sampler.OneTaskPerStep ? c.Tasks.Count : 1);
        int epochs = c.Schedule.Epochs ?? 10;
        var weighting = c.Strategy.Weighting is { } wk ? LossWeightings.Create(wk, c.Tasks.Count, weightingRng, perEpoch, new StrategyOptions(c.Strategy.WeightingOptions)) : null;
        float lr = c.Optimizer.LearningRate ?? 1e-3f;
        var groups = new List<OptimizerGroup> { new(model.Module.Parameters(), lr) };
        if (weighting is { Parameters.Count: > 0 })
        {
            groups.Add(new OptimizerGroup(weighting.Parameters, lr));
        }

        IOptimizer optimizer = c.Optimizer.Type == OptimizerKind.Sgd ? new Sgd(groups) : new Adam(groups);
        int? select = c.Stopping.Select is { } sel ? c.Tasks.Select(t => t.Name).ToList().IndexOf(sel) : null;
        var options = new TrainerOptions
        {
            TotalSteps = epochs * perEpoch,
            Optimizers = [optimizer],
            Sampler = sampler,
            Weighting = weighting,
            Aggregator = Aggregators.Create(c.Strategy.Aggregator, aggregatorRng, new StrategyOptions(c.Strategy.AggregatorOptions)),
            GradientSpace = c.Strategy.Gradients,
            ClipNorm = c.Optimizer.ClipNorm ?? 0f,
            EvaluateEvery = perEpoch,
            Patience = c.Stopping.Patience ?? 3,
            SelectionTask = select,
            Noise = noise,
            RenewArenaEvery = m.Encoder == SentenceEncoderKind.BiLstm ? TaggingExperiments.ArenaRenewal : 0,
        };
        var evaluator = new ExampleEvaluator(infos, Examples(test), Examples(dev), c.Schedule.EvaluationBatchSize ?? 256);
        string[] names = infos.Select(t => t.Name).ToArray();
        var losses = new LossCurveCallback(names, perEpoch, CurveUnit.Epochs);
        var metrics = new MetricCurveCallback(perEpoch, CurveUnit.Epochs);
        description["batchSize"] = batch.ToString(ci);
        description["learningRate"] = lr.ToString(ci);
        description["optimizer"] = optimizer is Adam ? "adam" : "sgd";
        description["maxEpochs"] = epochs.ToString(ci);
        description["stepsPerEpoch"] = perEpoch.ToString(ci);
        description["patience"] = options.Patience.ToString(ci);
        description["sampler"] = sampler.Name;
        description["aggregator"] = c.Strategy.Aggregator == AggregatorKind.None ? "none" : c.Strategy.Aggregator.ToString().ToLowerInvariant();
        description["weighting"] = weighting?.Name ?? "none";
        description["parameters"] = model.Module.ParameterCount().ToString(ci);
        description["sentences"] = $"train {train.Count.ToString(ci)}, dev {dev.Count.ToString(ci)}, test {test.Count.ToString(ci)}";
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
            Configuration = description,
            TaskInputs = c.Tasks.Select(_ => format).ToArray(),
            BuildReport = outcome => new RunReport
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

    private static int IndexOf(string genre)
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
