using System.Globalization;
using MtlSharp.Data.Tasks;
using MtlSharp.Export.Onnx;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Models.MultiInput;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Models.Tagging;

namespace MtlSharp.Export;

/// <summary>
/// Exports a multi-task model (a <see cref="RoutedNetwork"/>, an <see cref="ExpertNetwork"/>, a
/// <see cref="SequenceTagger"/> or a <see cref="MultiInputModel"/>) as one standard ONNX graph (opset
/// <see cref="OpsetVersion"/>, IR version <see cref="IrVersion"/>, producer <see cref="Producer"/>) for inference
/// anywhere ONNX runs.
/// </summary>
/// <remarks>
/// <para>The graph has one input, float [N, example shape…] with a symbolic batch size N, and one output per exported
/// task, named after the task: logits for classification and multi-label tasks, predicted values for regression
/// (for CSV regression tasks in the standardised units the model was trained on). Outputs follow the model's task
/// order.</para>
/// <para>It computes what MtlSharp computes at evaluation with the maximum-likelihood allocation of every routed layer
/// (dropout off): a task's path holds only the components it uses, combined by mean or sum as the layer does;
/// a component several tasks use on the same input is computed once; components no exported task uses, and their
/// weights, are not in the graph. Translated: MLP components (Gemm, ReLU), convolution components (Conv, ReLU), groups
/// of MLPs, average and max pooling (explicit, possibly asymmetric 'same' pads), the embedded-input stage of tabular
/// data (Slice, Cast, Where, Gather, Concat), flatten and the linear task heads (Gemm); and the Omniglot network's
/// modules: conv → GroupNorm → ReLU sequences, GroupNorm (statistics in double, as MtlSharp's), norm stages, identity
/// and module components, and per-example routed layers (noisy top-k gates at evaluation: TopK, Softmax,
/// ScatterElements; every component in the graph). Other stages throw <see cref="NotSupportedException"/>.</para>
/// <para>Expert mixtures (MMoE, one-gate MoE, PLE/CGC) export their experts, per-example softmax gates and towers;
/// BiLSTM taggers their embeddings, character and word BiLSTMs (ONNX <c>LSTM</c> with <c>sequence_lens</c>), α/β
/// mixing and heads, with int64 inputs (<see cref="WordsInput"/>…) and logits [N, T, tags] per task.</para>
/// <para>Multi-input models (and the sentence models of <c>ewt-genre</c>) export each task's encoder, the shared core
/// and the heads, with one group of inputs per input type the exported tasks read (<see cref="ImagesInput"/>,
/// <see cref="RowsInput"/>, the tagger's sentence inputs, <see cref="TrigramIdsInput"/> and
/// <see cref="TrigramWeightsInput"/>).</para>
/// <para>Inputs are what the run's model takes (e.g. encoded CSV rows: standardised numbers, one-hot and category
/// codes); the encoders are not part of the graph.</para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the graph uses.</summary>
    public const int OpsetVersion = 17;

    /// <summary>The ONNX IR version of opset 17 (ONNX 1.12).</summary>
    public const long IrVersion = 8;

    /// <summary>The model's producer name.</summary>
    public const string Producer = "MtlSharp";

    /// <summary>The name of the graph input.</summary>
    public const string InputName = "input";

    /// <summary>Tagger input: word ids, int64 [N, T] (padding 0).</summary>
    public const string WordsInput = "words";

    /// <summary>Tagger input: tokens per sentence, int64 [N], each in [1, T].</summary>
    public const string LengthsInput = "lengths";

    /// <summary>Tagger input: character ids per token, int64 [N, T, L] (padding 0).</summary>
    public const string CharsInput = "chars";

    /// <summary>Tagger input: characters per token, int64 [N, T] (0 for padding).</summary>
    public const string CharLengthsInput = "char_lengths";

    /// <summary>Multi-input models: images, float [N, C, H, W] (grey levels / 255).</summary>
    public const string ImagesInput = "images";

    /// <summary>Multi-input models: encoded table rows, float [N, F].</summary>
    public const string RowsInput = "rows";

    /// <summary>Multi-input and sentence models: letter-trigram bucket ids per sentence, int64 [N, K] (padding 0).</summary>
    public const string TrigramIdsInput = "trigram_ids";

    /// <summary>Multi-input and sentence models: the normalised count of each bucket id, float [N, K] (padding 0).</summary>
    public const string TrigramWeightsInput = "trigram_weights";

    /// <summary>
    /// Exports the model of <paramref name="plan"/> (its current weights), for the tasks named in
    /// <paramref name="tasks"/> (all when null or empty): a routed network or an expert mixture (the example shape
    /// comes from the run's test split), or a BiLSTM tagger (its vocabularies and tag names are written to the
    /// model's metadata).
    /// </summary>
    /// <exception cref="NotSupportedException">The model holds a stage with no ONNX translation.</exception>
    /// <exception cref="ArgumentException">A task name is unknown or given twice.</exception>
    public static OnnxModel Export(RunPlan plan, IReadOnlyList<string>? tasks = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        OnnxModel model;
        if (plan.TaskInputs is { } formats)
        {
            model = Export(plan.Model, formats, plan.Data.Tasks, tasks);
        }
        else if (plan.Model is TaggerModel tagger)
        {
            if (plan.Evaluator is not TaggingEvaluator evaluator)
            {
                throw new NotSupportedException($"{plan.Preset}/{plan.Method}: the run's vocabularies are unknown (its evaluator is not a tagging evaluator).");
            }

            model = Export(tagger.Tagger, plan.Data.Tasks, tasks);
            var batcher = evaluator.Batcher;
            Metadata(model.Proto, "mtl.vocab.words", string.Join('\n', batcher.Words.Tokens));
            if (batcher.Chars is { } chars)
            {
                Metadata(model.Proto, "mtl.vocab.chars", string.Join('\n', chars.Tokens));
            }

            Metadata(model.Proto, "mtl.vocab.lowercase", batcher.Words.Lowercase ? "true" : "false");
            Metadata(model.Proto, "mtl.vocab.unknown_word_id", batcher.Words.UnknownId.ToString(CultureInfo.InvariantCulture));
            Metadata(model.Proto, "mtl.max_word_chars", batcher.MaxWordChars.ToString(CultureInfo.InvariantCulture));
            foreach (var task in batcher.Tasks.Where(t => model.Tasks.Contains(t.Name)))
            {
                Metadata(model.Proto, $"mtl.task.{task.Name}.labels", string.Join('\n', task.Tags.Tokens));
            }
        }
        else
        {
            if (plan.Model is not (RoutedModel or ExpertModel))
            {
                throw new NotSupportedException($"{plan.Preset}/{plan.Method}: models of type {plan.Model.GetType().Name} have no ONNX export.");
            }

            if (plan.Evaluator is not SplitEvaluator { Splits.Count: > 0 } splits)
            {
                throw new NotSupportedException($"{plan.Preset}/{plan.Method}: the run's example shape is unknown (its evaluator holds no test split).");
            }

            var shape = splits.Splits[0].Test.SampleShape;
            model = plan.Model switch
            {
                RoutedModel routed => Export(routed.Network, shape, plan.Data.Tasks, tasks),
                ExpertModel experts => Export(experts.Network, shape, plan.Data.Tasks, tasks),
                _ => throw new NotSupportedException($"{plan.Preset}/{plan.Method}: models of type {plan.Model.GetType().Name} have no ONNX export."),
            };
            for (int t = 0; t < splits.Splits.Count; t++)
            {
                if (model.Tasks.Contains(splits.Splits[t].Name) && splits.Splits[t].TargetScale != 1.0)
                {
                    Metadata(model.Proto, $"mtl.task.{splits.Splits[t].Name}.target_scale", splits.Splits[t].TargetScale.ToString("R", CultureInfo.InvariantCulture));
                }
            }
        }

        Metadata(model.Proto, "mtl.preset", plan.Preset);
        Metadata(model.Proto, "mtl.method", plan.Method);
        Metadata(model.Proto, "mtl.seed", plan.Seed.ToString(CultureInfo.InvariantCulture));
        return model;
    }

    /// <summary>
    /// Exports <paramref name="tagger"/> (its current weights; evaluation mode: no noise, no word dropout);
    /// <paramref name="taskInfos"/> describes its tasks in order, <paramref name="tasks"/> names those to export (all
    /// when null or empty). Inputs: <see cref="WordsInput"/>, <see cref="LengthsInput"/>, <see cref="CharsInput"/>,
    /// <see cref="CharLengthsInput"/> (int64, as MtlSharp's padded sentence batches); one output per task, logits
    /// float [N, T, tags].
    /// </summary>
    /// <exception cref="ArgumentException">A task name is unknown or given twice, or the task list does not fit the tagger.</exception>
    public static OnnxModel Export(SequenceTagger tagger, IReadOnlyList<TaskInfo> taskInfos, IReadOnlyList<string>? tasks = null)
    {
        ArgumentNullException.ThrowIfNull(tagger);
        ArgumentNullException.ThrowIfNull(taskInfos);
        if (taskInfos.Count != tagger.Tasks)
        {
            throw new ArgumentException($"The tagger has {tagger.Tasks} tasks but {taskInfos.Count} task descriptions were given.", nameof(taskInfos));
        }

        int[] selected = Select(taskInfos, tasks);
        var g = TaggerGraph.Build(tagger, taskInfos, selected);
        var proto = Proto(g, "A BiLSTM sequence tagger exported by MtlSharp: evaluation mode; one output (logits per token) per task.");
        var c = tagger.Config;
        Metadata(proto, "mtl.tagger", $"layers={c.Layers}; hidden={c.Hidden}; per_task_networks={c.PerTaskNetworks}; subspaces={c.Subspaces}; connection={c.Connection}");
        foreach (int t in selected)
        {
            Metadata(proto, $"mtl.task.{taskInfos[t].Name}.kind", taskInfos[t].Kind.ToString());
        }

        return new OnnxModel(proto, [WordsInput, LengthsInput, CharsInput, CharLengthsInput], [], selected.Select(t => taskInfos[t].Name).ToArray(), g.FloatCount);
    }

    /// <summary>
    /// Exports the expert mixture <paramref name="network"/> (MMoE, one-gate MoE, PLE/CGC; its current weights) for
    /// examples of shape <paramref name="sampleShape"/>; <paramref name="taskInfos"/> describes its tasks in order,
    /// <paramref name="tasks"/> names those to export (all when null or empty).
    /// </summary>
    /// <exception cref="NotSupportedException">The network holds a stage with no ONNX translation.</exception>
    /// <exception cref="ArgumentException">A task name is unknown or given twice, or the task list does not fit the network.</exception>
    public static OnnxModel Export(ExpertNetwork network, IReadOnlyList<int> sampleShape, IReadOnlyList<TaskInfo> taskInfos, IReadOnlyList<string>? tasks = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(taskInfos);
        if (taskInfos.Count != network.Tasks)
        {
            throw new ArgumentException($"The network has {network.Tasks} tasks but {taskInfos.Count} task descriptions were given.", nameof(taskInfos));
        }

        int[] selected = Select(taskInfos, tasks);
        var g = ExpertGraph.Build(network, sampleShape, taskInfos, selected, InputName);
        var proto = Proto(g, "An expert-mixture multi-task network exported by MtlSharp: evaluation mode, per-example softmax gates; one output per task.");
        foreach (int t in selected)
        {
            Metadata(proto, $"mtl.task.{taskInfos[t].Name}.kind", taskInfos[t].Kind.ToString());
        }

        return new OnnxModel(proto, InputName, [.. sampleShape], selected.Select(t => taskInfos[t].Name).ToArray(), g.FloatCount);
    }

    /// <summary>
    /// Exports <paramref name="network"/> (its current weights) for examples of shape <paramref name="sampleShape"/>;
    /// <paramref name="taskInfos"/> describes the network's tasks in order, <paramref name="tasks"/> names those to
    /// export (all when null or empty).
    /// </summary>
    /// <exception cref="NotSupportedException">The network holds a stage or component with no ONNX translation.</exception>
    /// <exception cref="ArgumentException">A task name is unknown or given twice, or the task list does not fit the network.</exception>
    public static OnnxModel Export(RoutedNetwork network, IReadOnlyList<int> sampleShape, IReadOnlyList<TaskInfo> taskInfos, IReadOnlyList<string>? tasks = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(taskInfos);
        if (taskInfos.Count != network.Tasks)
        {
            throw new ArgumentException($"The network has {network.Tasks} tasks but {taskInfos.Count} task descriptions were given.", nameof(taskInfos));
        }

        int[] selected = Select(taskInfos, tasks);
        var g = RoutedGraph.Build(network, sampleShape, taskInfos, selected, InputName);
        var proto = Proto(g, "A routed multi-task network exported by MtlSharp: maximum-likelihood allocation, evaluation mode; one output per task.");
        var allocations = network.Allocations();
        for (int l = 0; l < allocations.Count; l++)
        {
            string text = string.Join("; ", selected.Select(t => $"{taskInfos[t].Name}=[{string.Join(",", allocations[l][t])}]"));
            Metadata(proto, $"mtl.allocation.layer{l.ToString(CultureInfo.InvariantCulture)}", text);
        }

        foreach (int t in selected)
        {
            Metadata(proto, $"mtl.task.{taskInfos[t].Name}.kind", taskInfos[t].Kind.ToString());
        }

        return new OnnxModel(proto, InputName, [.. sampleShape], selected.Select(t => taskInfos[t].Name).ToArray(), g.FloatCount);
    }

    /// <summary>
    /// Exports a multi-input model (or the class-prior baseline of a sentence run; its current weights, evaluation
    /// mode) whose tasks read <paramref name="inputs"/> (<see cref="RunPlan.TaskInputs"/>); <paramref name="taskInfos"/>
    /// describes its tasks in order, <paramref name="tasks"/> names those to export (all when null or empty). The
    /// graph takes one group of inputs per input type the exported tasks read: <see cref="ImagesInput"/>
    /// float [N, C, H, W]; <see cref="RowsInput"/> float [N, F]; <see cref="WordsInput"/>, <see cref="LengthsInput"/>,
    /// <see cref="CharsInput"/>, <see cref="CharLengthsInput"/> int64 (BiLSTM-encoded sentences, as the tagger
    /// export); <see cref="TrigramIdsInput"/> int64 [N, K] and <see cref="TrigramWeightsInput"/> float [N, K] (bags of
    /// letter trigrams); the class prior reads only <see cref="LengthsInput"/> [N]. Outputs: per task logits [N, C], or
    /// [N, T, tags] for tagging. Vocabularies, tag and class names, the trigram hashing and which inputs each task
    /// reads are written to the model's metadata.
    /// </summary>
    /// <exception cref="NotSupportedException">The model is not a multi-input model or class prior, or holds a stage with no ONNX translation.</exception>
    /// <exception cref="ArgumentException">A task name is unknown or given twice, or the lists do not fit the model.</exception>
    public static OnnxModel Export(IMultiTaskModel model, IReadOnlyList<TaskInputFormat> inputs, IReadOnlyList<TaskInfo> taskInfos, IReadOnlyList<string>? tasks = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(taskInfos);
        if (model is not (MultiInputModel or ClassPriorModel))
        {
            throw new NotSupportedException($"Models of type {model.GetType().Name} are not multi-input models.");
        }

        if (taskInfos.Count != model.TaskCount || inputs.Count != model.TaskCount)
        {
            throw new ArgumentException($"The model has {model.TaskCount} tasks but {taskInfos.Count} task descriptions and {inputs.Count} input formats were given.", nameof(taskInfos));
        }

        int[] selected = Select(taskInfos, tasks);
        var built = MultiInputGraph.Build(model, inputs, taskInfos, selected);
        var proto = Proto(built.Graph, model is ClassPriorModel
            ? "The class prior (majority-class baseline) exported by MtlSharp: the same logits for every sentence; one output per task."
            : "A multi-input multi-task model exported by MtlSharp: an encoder per input type, the shared core (routed: maximum-likelihood allocation), evaluation mode; one output per task.");
        var ci = CultureInfo.InvariantCulture;
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (int t in selected)
        {
            var info = taskInfos[t];
            var f = inputs[t];
            Metadata(proto, $"mtl.task.{info.Name}.kind", info.Kind.ToString());
            Metadata(proto, $"mtl.task.{info.Name}.input", $"{f.Kind.ToString().ToLowerInvariant()} '{f.Input}': {string.Join(", ", built.TaskInputs[t])}");
            if (f.Labels is { } labels)
            {
                Metadata(proto, $"mtl.task.{info.Name}.labels", string.Join('\n', labels));
            }

            string suffix = built.TaskInputs[t][0].Contains('_', StringComparison.Ordinal) && built.TaskInputs[t][0].EndsWith("_" + f.Input, StringComparison.Ordinal) ? "." + f.Input : "";
            if (f.Batcher is { } batcher && model is MultiInputModel && written.Add("vocab" + suffix))
            {
                Metadata(proto, "mtl.vocab.words" + suffix, string.Join('\n', batcher.Words.Tokens));
                if (batcher.Chars is { } chars)
                {
                    Metadata(proto, "mtl.vocab.chars" + suffix, string.Join('\n', chars.Tokens));
                }

                Metadata(proto, "mtl.vocab.lowercase" + suffix, batcher.Words.Lowercase ? "true" : "false");
                Metadata(proto, "mtl.vocab.unknown_word_id" + suffix, batcher.Words.UnknownId.ToString(ci));
                Metadata(proto, "mtl.max_word_chars" + suffix, batcher.MaxWordChars.ToString(ci));
            }

            if (f.Hasher is { } hasher && written.Add("trigram" + suffix))
            {
                Metadata(proto, "mtl.trigram.buckets" + suffix, hasher.Buckets.ToString(ci));
                Metadata(proto, "mtl.trigram.normalization" + suffix, hasher.Normalization.ToString().ToLowerInvariant());
                Metadata(proto, "mtl.trigram.lowercase" + suffix, hasher.Lowercase ? "true" : "false");
                Metadata(proto, "mtl.trigram.hash" + suffix, "words lower-cased (invariant culture) when lowercase is true, wrapped in '#', cut into letter trigrams (Unicode scalar values); bucket = FNV-1a 32 (offset basis 2166136261, prime 16777619) of the trigram's UTF-8 bytes mod buckets");
            }
        }

        if (model is MultiInputModel { RoutedCore: { } core })
        {
            var allocations = core.Allocations();
            for (int l = 0; l < allocations.Count; l++)
            {
                string text = string.Join("; ", selected.Select(t => $"{taskInfos[t].Name}=[{string.Join(",", allocations[l][t])}]"));
                Metadata(proto, $"mtl.allocation.layer{l.ToString(ci)}", text);
            }
        }

        return new OnnxModel(proto, [.. built.Inputs], [], selected.Select(t => taskInfos[t].Name).ToArray(), built.Graph.FloatCount);
    }

    private static int[] Select(IReadOnlyList<TaskInfo> infos, IReadOnlyList<string>? tasks)
    {
        if (tasks is null || tasks.Count == 0)
        {
            return Enumerable.Range(0, infos.Count).ToArray();
        }

        var chosen = new SortedSet<int>();
        foreach (string name in tasks)
        {
            int index = -1;
            for (int t = 0; t < infos.Count; t++)
            {
                if (string.Equals(infos[t].Name, name, StringComparison.Ordinal))
                {
                    index = t;
                    break;
                }
            }

            if (index < 0)
            {
                throw new ArgumentException($"Unknown task '{name}'; the tasks are: {string.Join(", ", infos.Select(i => i.Name))}.", nameof(tasks));
            }

            if (!chosen.Add(index))
            {
                throw new ArgumentException($"Task '{name}' is named twice.", nameof(tasks));
            }
        }

        return [.. chosen];
    }

    private static ModelProto Proto(GraphBuilder g, string doc)
    {
        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = Producer,
            Domain = "org.mtlsharp",
            ModelVersion = 1,
            DocString = doc,
            Graph = g.Graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        return proto;
    }

    private static void Metadata(ModelProto proto, string key, string value) =>
        proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
}
