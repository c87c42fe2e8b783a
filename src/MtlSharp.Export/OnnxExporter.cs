using System.Globalization;
using MtlSharp.Data.Tasks;
using MtlSharp.Export.Onnx;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;

namespace MtlSharp.Export;

/// <summary>
/// Exports a routed multi-task model (<see cref="RoutedNetwork"/>) as one standard ONNX graph (opset
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
/// of MLPs, average pooling stages (AveragePool), the embedded-input stage of tabular data (Slice, Cast, Where, Gather,
/// Concat), flatten and the linear task heads (Gemm). Other stages throw <see cref="NotSupportedException"/>, as do
/// the tagger models.</para>
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

    /// <summary>
    /// Exports the routed model of <paramref name="plan"/> (its current weights), for the tasks named in
    /// <paramref name="tasks"/> (all when null or empty). The example shape comes from the run's test split.
    /// </summary>
    /// <exception cref="NotSupportedException">The model is not a routed network (e.g. a tagger) or holds a stage with no ONNX translation.</exception>
    /// <exception cref="ArgumentException">A task name is unknown or given twice.</exception>
    public static OnnxModel Export(RunPlan plan, IReadOnlyList<string>? tasks = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Model is not RoutedModel routed)
        {
            throw new NotSupportedException($"Only routed models can be exported to ONNX; {plan.Preset}/{plan.Method} is a {plan.Model.GetType().Name} (the BiLSTM taggers have no ONNX export yet).");
        }

        if (plan.Evaluator is not SplitEvaluator { Splits.Count: > 0 } splits)
        {
            throw new NotSupportedException($"{plan.Preset}/{plan.Method}: the run's example shape is unknown (its evaluator holds no test split).");
        }

        var model = Export(routed.Network, splits.Splits[0].Test.SampleShape, plan.Data.Tasks, tasks);
        Metadata(model.Proto, "mtl.preset", plan.Preset);
        Metadata(model.Proto, "mtl.method", plan.Method);
        Metadata(model.Proto, "mtl.seed", plan.Seed.ToString(CultureInfo.InvariantCulture));
        for (int t = 0; t < splits.Splits.Count; t++)
        {
            if (model.Tasks.Contains(splits.Splits[t].Name) && splits.Splits[t].TargetScale != 1.0)
            {
                Metadata(model.Proto, $"mtl.task.{splits.Splits[t].Name}.target_scale", splits.Splits[t].TargetScale.ToString("R", CultureInfo.InvariantCulture));
            }
        }

        return model;
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
        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = Producer,
            Domain = "org.mtlsharp",
            ModelVersion = 1,
            DocString = "A routed multi-task network exported by MtlSharp: maximum-likelihood allocation, evaluation mode; one output per task.",
            Graph = g.Graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
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

    private static void Metadata(ModelProto proto, string key, string value) =>
        proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
}
