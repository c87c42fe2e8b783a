using System.Globalization;
using MtlSharp.Data.Tasks;
using MtlSharp.Export.Onnx;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.Export;

/// <summary>
/// Translates a <see cref="RoutedNetwork"/> at evaluation (maximum-likelihood allocation, dropout off) into one ONNX
/// graph with an output per exported task. Each task's path uses only the components its allocation selects; the
/// graph builder's node sharing computes a component once per distinct input (every task whose path reaches it with
/// the same input uses the same node), and a component no exported task selects is never emitted, nor its weights.
/// </summary>
internal static class RoutedGraph
{
    /// <summary>The symbolic batch dimension.</summary>
    public const string Batch = "N";

    /// <summary>Builds the graph of tasks <paramref name="selected"/> (indices into <paramref name="tasks"/>, ascending).</summary>
    public static GraphBuilder Build(RoutedNetwork network, IReadOnlyList<int> sampleShape, IReadOnlyList<TaskInfo> tasks, IReadOnlyList<int> selected, string inputName)
    {
        var g = new GraphBuilder();
        g.Reserve(inputName);
        foreach (int t in selected)
        {
            g.Reserve(tasks[t].Name);
        }

        g.Graph.Name = "MtlSharp.RoutedNetwork";
        g.Graph.Input.Add(GraphBuilder.FloatValue(inputName, Batch, sampleShape, $"float [{Batch}, {string.Join(", ", sampleShape)}]: one example per row, as the run's test inputs"));
        var current = selected.ToDictionary(t => t, _ => inputName);
        int[] shape = Stages(g, network, current, [.. sampleShape], selected, _ => inputName);
        foreach (int t in selected)
        {
            var info = tasks[t];
            string what = Describe(info);
            if (network.Heads is { } heads)
            {
                Head(g, heads, t, info, current[t], shape, what);
            }
            else
            {
                g.NodeTo(info.Name, "Identity", [current[t]]);
                g.Graph.Output.Add(GraphBuilder.FloatValue(info.Name, Batch, shape, what));
            }
        }

        return g;
    }

    /// <summary>
    /// The network's stages (not its heads) for tasks <paramref name="selected"/>: each task's path from its value in
    /// <paramref name="current"/> (of shape [N, <paramref name="shape"/>…]), replaced by its output; returns the
    /// output shape (without N). <paramref name="batchOf"/> gives, per task, a value whose first axis is N (for the
    /// zeros of a task with no active component).
    /// </summary>
    public static int[] Stages(GraphBuilder g, RoutedNetwork network, Dictionary<int, string> current, int[] shape, IReadOnlyList<int> selected, Func<int, string> batchOf)
    {
        for (int s = 0; s < network.Stages.Count; s++)
        {
            string stage = "/stage" + s.ToString(CultureInfo.InvariantCulture);
            switch (network.Stages[s])
            {
                case RoutedLayer layer:
                {
                    int[][] allocation = layer.Router.MaximumLikelihood();
                    int[] output = OutputShape(layer.Components, shape, s);
                    foreach (int t in selected)
                    {
                        var outs = new List<string>();
                        for (int c = 0; c < layer.Count; c++)
                        {
                            if (allocation[t][c] != 0)
                            {
                                outs.Add(Component(g, layer.Components, c, current[t], stage + "/c" + c.ToString(CultureInfo.InvariantCulture), s, shape));
                            }
                        }

                        current[t] = outs.Count == 0 ? Zeros(g, batchOf(t), output, stage) : Combine(g, outs, layer.Combine, stage);
                    }

                    shape = output;
                    break;
                }

                case EmbeddedInput embedded:
                    foreach (int t in selected)
                    {
                        current[t] = Embedded(g, embedded, current[t], shape, stage);
                    }

                    shape = [embedded.OutputWidth];
                    break;

                case PerExampleRoutedLayer moe:
                {
                    int[] output = shape;
                    foreach (int t in selected)
                    {
                        (current[t], output) = ModuleGraph.PerExample(g, moe, t, current[t], shape, stage, s);
                    }

                    shape = output;
                    break;
                }

                case Module<Tensor, Tensor> module:
                {
                    int[] output = shape;
                    foreach (int t in selected)
                    {
                        (current[t], output) = ModuleGraph.Translate(g, module, current[t], shape, stage, s);
                    }

                    shape = output;
                    break;
                }

                default:
                    throw new NotSupportedException($"Stage {s} ({network.Stages[s].GetType().Name}) has no ONNX translation.");
            }
        }

        return shape;
    }

    /// <summary>The description of task <paramref name="info"/>'s graph output.</summary>
    public static string Describe(TaskInfo info) => info.Kind switch
    {
        TaskKind.Classification => $"logits of task '{info.Name}' ({info.Outputs} classes; softmax for probabilities)",
        TaskKind.MultiLabel => $"logits of task '{info.Name}' ({info.Outputs} labels; sigmoid for probabilities)",
        _ => $"predicted values of task '{info.Name}'",
    };

    /// <summary>
    /// Task <paramref name="t"/>'s head (hidden Gemm + ReLU layers, then a Gemm) on x of shape [N, shape…], written to
    /// the graph output named after the task; with <paramref name="toOutput"/> false, only returned (the caller
    /// shapes it into the output).
    /// </summary>
    public static string Head(GraphBuilder g, TaskHeads heads, int t, TaskInfo info, string x, int[] shape, string what, bool toOutput = true)
    {
        if (shape.Length != 1)
        {
            x = g.Node("Flatten", "/heads/Flatten", [x], GraphBuilder.Attr("axis", 1L));
        }

        int width = shape.Aggregate(1, (a, b) => a * b);
        for (int l = 0; l < heads.HiddenSizes.Count; l++)
        {
            var (hw, hb) = heads.Hidden(t, l);
            if (hw.Shape[1] != width)
            {
                throw new NotSupportedException($"Task '{info.Name}': its head's layer {l} takes {hw.Shape[1]} features, but gets {width}.");
            }

            string hwi = g.Floats(hw.Name, hw.Value.Span, hw.Shape[0], hw.Shape[1]);
            string hbi = g.Floats(hb.Name, hb.Value.Span, hb.Shape[0]);
            x = g.Node("Relu", $"/heads/{info.Name}/hidden{l}/Relu", [g.Node("Gemm", $"/heads/{info.Name}/hidden{l}/Gemm", [x, hwi, hbi], GraphBuilder.Attr("transB", 1L))]);
            width = hw.Shape[0];
        }

        var w = heads.Weight(t);
        var b = heads.Bias(t);
        if (w.Shape.Rank != 2 || w.Shape[1] != width)
        {
            throw new NotSupportedException($"Task '{info.Name}': its head takes {(w.Shape.Rank == 2 ? w.Shape[1] : 0)} features, but the last stage gives {width}.");
        }

        string wi = g.Floats(w.Name, w.Value.Span, w.Shape[0], w.Shape[1]);
        string bi = g.Floats(b.Name, b.Value.Span, b.Shape[0]);
        if (!toOutput)
        {
            return g.Node("Gemm", $"/heads/{info.Name}/Gemm", [x, wi, bi], GraphBuilder.Attr("transB", 1L));
        }

        g.NodeTo(info.Name, "Gemm", [x, wi, bi], GraphBuilder.Attr("transB", 1L));
        g.Graph.Output.Add(GraphBuilder.FloatValue(info.Name, Batch, [w.Shape[0]], what));
        return info.Name;
    }

    /// <summary>
    /// Component <paramref name="c"/> of <paramref name="stack"/> on <paramref name="x"/>; <paramref name="shape"/>
    /// (x's shape without N) is needed for <see cref="ModuleComponents"/>.
    /// </summary>
    public static string Component(GraphBuilder g, IComponentStack stack, int c, string x, string prefix, int stage, int[]? shape = null)
    {
        string ci = ".c" + c.ToString(CultureInfo.InvariantCulture);
        switch (stack)
        {
            case MlpComponents mlp:
            {
                string h = x;
                for (int l = 0; l < mlp.Weights.Count; l++)
                {
                    Parameter w = mlp.Weights[l], b = mlp.Biases[l];
                    int fin = w.Shape[1], fout = w.Shape[2];
                    string wi = g.Floats(w.Name + ci, w.Value.Span.Slice(c * fin * fout, fin * fout), fin, fout);
                    string bi = g.Floats(b.Name + ci, b.Value.Span.Slice(c * fout, fout), fout);
                    string l1 = l.ToString(CultureInfo.InvariantCulture);
                    h = g.Node("Gemm", prefix + "/Gemm" + l1, [h, wi, bi]);
                    if (l < mlp.Weights.Count - 1 || mlp.OutputRelu)
                    {
                        h = g.Node("Relu", prefix + "/Relu" + l1, [h]);
                    }
                }

                return h;
            }

            case ConvComponents conv:
            {
                Parameter w = conv.Weight, b = conv.Bias;
                int per = conv.InChannels * conv.Kernel * conv.Kernel;
                string wi = g.Floats(w.Name + ci, w.Value.Span.Slice(c * conv.Filters * per, conv.Filters * per), conv.Filters, conv.InChannels, conv.Kernel, conv.Kernel);
                string bi = g.Floats(b.Name + ci, b.Value.Span.Slice(c * conv.Filters, conv.Filters), conv.Filters);
                var attrs = new List<AttributeProto>
                {
                    GraphBuilder.Attr("kernel_shape", [conv.Kernel, conv.Kernel]),
                    GraphBuilder.Attr("strides", [conv.Stride, conv.Stride]),
                };
                attrs.Add(conv.Padding == PaddingMode.Same ? GraphBuilder.Attr("auto_pad", "SAME_UPPER") : GraphBuilder.Attr("pads", [0L, 0, 0, 0]));
                string y = g.Node("Conv", prefix + "/Conv", [x, wi, bi], [.. attrs]);
                return g.Node("Relu", prefix + "/Relu", [y]);
            }

            case ComponentGroup group:
            {
                int first = 0;
                foreach (var member in group.Members)
                {
                    if (c < first + member.Count)
                    {
                        return Component(g, member, c - first, x, prefix, stage, shape);
                    }

                    first += member.Count;
                }

                throw new ArgumentOutOfRangeException(nameof(c));
            }

            case ModuleComponents modules:
                return ModuleGraph.Translate(g, modules.Modules[c], x, shape ?? throw new ArgumentNullException(nameof(shape)), prefix, stage).Output;
            default:
                throw new NotSupportedException($"Stage {stage}: components of type {stack.GetType().Name} have no ONNX translation (MLP, convolution, module components and groups of them do).");
        }
    }

    /// <summary>The output shape (without N) of <paramref name="stack"/>'s components on inputs of shape <paramref name="input"/>.</summary>
    public static int[] OutputShape(IComponentStack stack, int[] input, int stage) => stack switch
    {
        MlpComponents mlp when input.Length == 1 && input[0] == mlp.Dims[0] => [mlp.Dims[^1]],
        ConvComponents conv when input.Length == 3 && input[0] == conv.InChannels =>
            [conv.Filters, Out(input[1], conv.Kernel, conv.Stride, conv.Padding), Out(input[2], conv.Kernel, conv.Stride, conv.Padding)],
        ComponentGroup group => OutputShape(group.Members[0], input, stage),
        ModuleComponents modules => modules.OutputShape(new Shape([1, .. input])).ToArray()[1..],
        MlpComponents or ConvComponents => throw new NotSupportedException($"Stage {stage}: its components do not take inputs of shape [{string.Join(", ", input)}]."),
        _ => throw new NotSupportedException($"Stage {stage}: components of type {stack.GetType().Name} have no ONNX translation (MLP, convolution, module components and groups of them do)."),
    };

    private static int Out(int size, int kernel, int stride, PaddingMode padding) => ModuleGraph.Padding(size, kernel, stride, padding).Out;

    /// <summary>Σ outputs (sum), or Σ outputs · 1/a (mean of the a active components), as <see cref="ComponentCombiner"/>.</summary>
    private static string Combine(GraphBuilder g, List<string> outs, CombineMode mode, string stage)
    {
        if (outs.Count == 1)
        {
            return outs[0];
        }

        string sum = g.Node("Sum", stage + "/Sum", outs);
        return mode == CombineMode.Mean ? g.Node("Mul", stage + "/Mean", [sum, g.FloatScalar(1f / outs.Count)]) : sum;
    }

    /// <summary>Zeros [N, shape…] (a task with no active component in a layer).</summary>
    private static string Zeros(GraphBuilder g, string input, int[] shape, string stage)
    {
        string n = g.Node("Shape", "/batch", [input], GraphBuilder.Attr("start", 0L), GraphBuilder.Attr("end", 1L));
        string full = g.Node("Concat", stage + "/zeros_shape", [n, g.Int64s([.. shape.Select(d => (long)d)])], GraphBuilder.Attr("axis", 0L));
        var zero = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
        zero.Dims.Add(1);
        zero.FloatData.Add(0f);
        return g.Node("ConstantOfShape", stage + "/zeros", [full], GraphBuilder.Attr("value", zero));
    }

    /// <summary>
    /// [dense values, codes…] → [dense values, embeddings…]: Slice for the dense part, and per code column Slice,
    /// Cast to int64 (truncation, as the C# cast), codes outside [0, levels) → 0 (Where), Gather, Flatten; Concat.
    /// </summary>
    public static string Embedded(GraphBuilder g, EmbeddedInput e, string x, int[] shape, string stage)
    {
        int codes = e.Tables.Count;
        if (shape.Length != 1 || shape[0] != e.Dense + codes)
        {
            throw new NotSupportedException($"The embedded-input stage takes rows of {e.Dense} dense values and {codes} codes, but its input has shape [{string.Join(", ", shape)}].");
        }

        string axis1 = g.Int64s(1);
        var parts = new List<string>();
        if (e.Dense > 0)
        {
            parts.Add(g.Node("Slice", stage + "/dense", [x, g.Int64s(0), g.Int64s(e.Dense), axis1]));
        }

        string zero = g.Int64Scalar(0);
        for (int c = 0; c < codes; c++)
        {
            var table = e.Tables[c];
            int levels = table.Shape[0], size = table.Shape[1];
            string cs = stage + "/code" + c.ToString(CultureInfo.InvariantCulture);
            string col = g.Node("Slice", cs + "/Slice", [x, g.Int64s(e.Dense + c), g.Int64s(e.Dense + c + 1), axis1]);
            string id = g.Node("Cast", cs + "/Cast", [col], GraphBuilder.Attr("to", (long)TensorProto.Types.DataType.Int64));
            string ok = g.Node("And", cs + "/in_range", [
                g.Node("GreaterOrEqual", cs + "/ge0", [id, zero]),
                g.Node("Less", cs + "/lt_levels", [id, g.Int64Scalar(levels)])]);
            string safe = g.Node("Where", cs + "/Where", [ok, id, zero]);
            string wi = g.Floats(table.Name, table.Value.Span, levels, size);
            string gathered = g.Node("Gather", cs + "/Gather", [wi, safe], GraphBuilder.Attr("axis", 0L));
            parts.Add(g.Node("Flatten", cs + "/Flatten", [gathered], GraphBuilder.Attr("axis", 1L)));
        }

        return parts.Count == 1 ? parts[0] : g.Node("Concat", stage + "/Concat", parts, GraphBuilder.Attr("axis", 1L));
    }
}
