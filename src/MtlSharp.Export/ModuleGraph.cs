using System.Globalization;
using MtlSharp.Export.Onnx;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.Export;

/// <summary>
/// ONNX translations of the modules a routed network holds as shared stages or as components of a
/// <see cref="ModuleComponents"/> layer (the Omniglot network's, spec A10(e)): convolutions with 'same' or 'valid'
/// padding (explicit, possibly asymmetric <c>pads</c>: the smaller half before, as MtlSharp pads), GroupNorm,
/// conv → GroupNorm → ReLU sequences, norm stages, max and average pooling, flatten and identity; and the
/// per-example mixture-of-experts layer (noisy top-k gates at evaluation: no noise).
/// </summary>
internal static class ModuleGraph
{
    /// <summary>
    /// <paramref name="module"/> on <paramref name="x"/> of shape [N, <paramref name="shape"/>…]: its output and shape
    /// (without N).
    /// </summary>
    /// <exception cref="NotSupportedException">The module has no ONNX translation or does not fit the input's shape.</exception>
    public static (string Output, int[] Shape) Translate(GraphBuilder g, Module<Tensor, Tensor> module, string x, int[] shape, string prefix, int stage)
    {
        switch (module)
        {
            case Identity:
                return (x, shape);
            case FunctionStage { AvgPooling: { } pool }:
                return Pool(g, "AveragePool", x, shape, pool.Kernel, pool.Stride, pool.Padding, prefix, stage);
            case FunctionStage { MaxPooling: { } pool }:
                return Pool(g, "MaxPool", x, shape, pool.Kernel, pool.Stride, pool.Padding, prefix, stage);
            case FunctionStage { IsFlatten: true }:
                return (g.Node("Flatten", prefix + "/Flatten", [x], GraphBuilder.Attr("axis", 1L)), [shape.Aggregate(1, (a, b) => a * b)]);
            case FunctionStage f:
                throw new NotSupportedException($"Stage {stage} ({f.Description}) has no ONNX translation; of the function stages only pooling and flatten are exported.");
            case Conv2d conv:
                return Conv(g, conv, x, shape, prefix + "/Conv", stage);
            case MaxPool2d pool:
                return Pool(g, "MaxPool", x, shape, pool.Kernel, pool.Stride, pool.Padding, prefix, stage);
            case GroupNorm norm:
                return (GroupNormNodes(g, norm, x, shape, prefix + "/GroupNorm", stage), shape);
            case NormStage norm:
            {
                string y = GroupNormNodes(g, norm.Norm, x, shape, prefix + "/GroupNorm", stage);
                return (norm.Relu ? g.Node("Relu", prefix + "/Relu", [y]) : y, shape);
            }

            case ConvSequence seq:
            {
                string y = x;
                int[] s = shape;
                for (int i = 0; i < seq.Convs.Count; i++)
                {
                    string op = prefix + "/op" + i.ToString(CultureInfo.InvariantCulture);
                    (y, s) = Conv(g, seq.Convs[i], y, s, op + "/Conv", stage);
                    if (seq.Norms[i] is { } norm)
                    {
                        y = GroupNormNodes(g, norm, y, s, op + "/GroupNorm", stage);
                    }

                    if (seq.Relu)
                    {
                        y = g.Node("Relu", op + "/Relu", [y]);
                    }
                }

                return (y, s);
            }

            default:
                throw new NotSupportedException($"Stage {stage}: modules of type {module.GetType().Name} have no ONNX translation (convolutions, conv sequences, GroupNorm and norm stages, pooling, flatten and identity do).");
        }
    }

    /// <summary>
    /// The output size and padding before and after of one spatial axis, as MtlSharp's kernels: 'same' gives
    /// ⌈in/stride⌉ outputs with total padding max((out − 1)·stride + kernel − in, 0), the smaller half before;
    /// 'valid' none.
    /// </summary>
    public static (int Out, int Before, int After) Padding(int input, int kernel, int stride, PaddingMode padding)
    {
        if (padding == PaddingMode.Same)
        {
            int o = (input + stride - 1) / stride;
            int total = Math.Max(((o - 1) * stride) + kernel - input, 0);
            return (o, total / 2, total - (total / 2));
        }

        return (input < kernel ? 0 : ((input - kernel) / stride) + 1, 0, 0);
    }

    /// <summary>
    /// GroupNorm of <paramref name="x"/> [N, C, *]: Reshape to [N, G, −1]; in double precision (Cast) the group mean
    /// and biased variance (ReduceMean), (x − mean) / √(var + ε); Cast back, Reshape back, then the per-channel affine
    /// (Mul γ, Add β). Opset 17 has no GroupNormalization; the statistics are in double because float sums over a
    /// large group (22,050 values per group at 105×105) lose ~1e-5 relative, as MtlSharp's kernel (which
    /// accumulates them in double) does not.
    /// </summary>
    public static string GroupNormNodes(GraphBuilder g, GroupNorm norm, string x, int[] shape, string prefix, int stage)
    {
        if (shape.Length < 1 || shape[0] != norm.Channels)
        {
            throw new NotSupportedException($"Stage {stage}: GroupNorm over {norm.Channels} channels gets inputs of shape [{string.Join(", ", shape)}].");
        }

        var toDouble = GraphBuilder.Attr("to", (long)TensorProto.Types.DataType.Double);
        var toFloat = GraphBuilder.Attr("to", (long)TensorProto.Types.DataType.Float);
        var lastAxis = GraphBuilder.Attr("axes", [2L]);
        string grouped = g.Node("Cast", prefix + "/Cast", [g.Node("Reshape", prefix + "/Reshape", [x, g.Int64s(0, norm.Groups, -1)])], toDouble);
        string centered = g.Node("Sub", prefix + "/center", [grouped, g.Node("ReduceMean", prefix + "/mean", [grouped], lastAxis)]);
        string variance = g.Node("ReduceMean", prefix + "/variance", [g.Node("Mul", prefix + "/square", [centered, centered])], lastAxis);
        string rstd = g.Node("Reciprocal", prefix + "/rstd", [g.Node("Sqrt", prefix + "/std", [g.Node("Add", prefix + "/epsilon", [variance, g.DoubleScalar(norm.Eps)])])]);
        string normed = g.Node("Cast", prefix + "/normalized", [g.Node("Mul", prefix + "/scale", [centered, rstd])], toFloat);
        string y = g.Node("Reshape", prefix + "/Unreshape", [normed, g.Int64s([0, .. shape.Select(d => (long)d)])]);
        long[] affine = [norm.Channels, .. Enumerable.Repeat(1L, shape.Length - 1)];
        if (norm.Weight is { } w)
        {
            y = g.Node("Mul", prefix + "/Mul", [y, g.Floats(w.Name, w.Value.Span, affine)]);
        }

        if (norm.Bias is { } b)
        {
            y = g.Node("Add", prefix + "/Add", [y, g.Floats(b.Name, b.Value.Span, affine)]);
        }

        return y;
    }

    /// <summary>
    /// Layer <paramref name="layer"/> at evaluation for task <paramref name="task"/>: the gate logits
    /// h = s·W_gᵀ + b_task from the input summary s (for images the spatial mean, summed in double as MtlSharp's),
    /// the k largest per row (TopK: values and indices, ties to the lower index as MtlSharp's selection), softmax over
    /// those, scattered into zeros [N, C] (ScatterElements); the output Σ_c gate[:, c] · component_c(x) over every
    /// component (Unsqueeze, Concat, Mul, ReduceSum).
    /// </summary>
    public static (string Output, int[] Shape) PerExample(GraphBuilder g, PerExampleRoutedLayer layer, int task, string x, int[] shape, string prefix, int stage)
    {
        var gate = layer.Gate;
        int c = layer.Count;
        string summary = shape.Length switch
        {
            1 => x,
            3 => g.Node("Cast", prefix + "/summary/Cast", [g.Node("ReduceMean", prefix + "/summary/ReduceMean", [g.Node("Cast", prefix + "/summary/ToDouble", [x], GraphBuilder.Attr("to", (long)TensorProto.Types.DataType.Double))], GraphBuilder.Attr("axes", [2L, 3L]), GraphBuilder.Attr("keepdims", 0L))], GraphBuilder.Attr("to", (long)TensorProto.Types.DataType.Float)),
            _ => g.Node("Flatten", prefix + "/summary/Flatten", [x], GraphBuilder.Attr("axis", 1L)),
        };
        int width = shape.Length == 3 ? shape[0] : shape.Aggregate(1, (a, b) => a * b);
        if (width != gate.InputWidth)
        {
            throw new NotSupportedException($"Stage {stage}: its gate reads summaries of {gate.InputWidth} values, but its input of shape [{string.Join(", ", shape)}] gives {width}.");
        }

        string t = task.ToString(CultureInfo.InvariantCulture);
        string gp = prefix + "/gate/task" + t;
        var w = gate.Weight;
        string wi = g.Floats(w.Name, w.Value.Span, c, gate.InputWidth);
        string bi = g.Floats(gate.TaskBias.Name + ".t" + t, gate.TaskBias.Value.Span.Slice(task * c, c), c);
        string h = g.Node("Gemm", gp + "/Gemm", [summary, wi, bi], GraphBuilder.Attr("transB", 1L));
        string gates;
        if (gate.K < c)
        {
            string[] top = g.Nodes("TopK", gp + "/TopK", [h, g.Int64s(gate.K)], 2, GraphBuilder.Attr("axis", 1L), GraphBuilder.Attr("largest", 1L), GraphBuilder.Attr("sorted", 1L));
            string kept = top[0], indices = top[1];
            string soft = g.Node("Softmax", gp + "/Softmax", [kept], GraphBuilder.Attr("axis", 1L));
            var zero = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
            zero.Dims.Add(1);
            zero.FloatData.Add(0f);
            string empty = g.Node("ConstantOfShape", gp + "/zeros", [g.Node("Shape", gp + "/Shape", [h])], GraphBuilder.Attr("value", zero));
            gates = g.Node("ScatterElements", gp + "/ScatterElements", [empty, indices, soft], GraphBuilder.Attr("axis", 1L));
        }
        else
        {
            gates = g.Node("Softmax", gp + "/Softmax", [h], GraphBuilder.Attr("axis", 1L));
        }

        string axis1 = g.Int64s(1);
        int[] output = RoutedGraph.OutputShape(layer.Components, shape, stage);
        var outs = new List<string>();
        for (int j = 0; j < c; j++)
        {
            string cp = prefix + "/c" + j.ToString(CultureInfo.InvariantCulture);
            string y = RoutedGraph.Component(g, layer.Components, j, x, cp, stage, shape);
            outs.Add(g.Node("Unsqueeze", cp + "/Unsqueeze", [y, axis1]));
        }

        string stacked = outs.Count == 1 ? outs[0] : g.Node("Concat", prefix + "/Concat", outs, GraphBuilder.Attr("axis", 1L));
        string weights = g.Node("Reshape", gp + "/Reshape", [gates, g.Int64s([0, c, .. Enumerable.Repeat(1L, output.Length)])]);
        string mixed = g.Node("Mul", gp + "/Mul", [stacked, weights]);
        return (g.Node("ReduceSum", gp + "/ReduceSum", [mixed, axis1], GraphBuilder.Attr("keepdims", 0L)), output);
    }

    private static (string Output, int[] Shape) Conv(GraphBuilder g, Conv2d conv, string x, int[] shape, string prefix, int stage)
    {
        if (shape.Length != 3 || shape[0] != conv.InChannels)
        {
            throw new NotSupportedException($"Stage {stage}: a {conv.KernelH}×{conv.KernelW} convolution of {conv.InChannels} channels gets inputs of shape [{string.Join(", ", shape)}].");
        }

        var (ho, top, bottom) = Padding(shape[1], conv.KernelH, conv.StrideH, conv.Padding);
        var (wo, left, right) = Padding(shape[2], conv.KernelW, conv.StrideW, conv.Padding);
        if (ho < 1 || wo < 1)
        {
            throw new NotSupportedException($"Stage {stage}: a {conv.KernelH}×{conv.KernelW} convolution does not fit inputs of shape [{string.Join(", ", shape)}].");
        }

        var w = conv.Weight;
        var inputs = new List<string> { x, g.Floats(w.Name, w.Value.Span, conv.OutChannels, conv.InChannels, conv.KernelH, conv.KernelW) };
        if (conv.Bias is { } b)
        {
            inputs.Add(g.Floats(b.Name, b.Value.Span, conv.OutChannels));
        }

        string y = g.Node("Conv", prefix, inputs,
            GraphBuilder.Attr("kernel_shape", [conv.KernelH, conv.KernelW]),
            GraphBuilder.Attr("strides", [conv.StrideH, conv.StrideW]),
            GraphBuilder.Attr("pads", [top, left, bottom, right]));
        return (y, [conv.OutChannels, ho, wo]);
    }

    private static (string Output, int[] Shape) Pool(GraphBuilder g, string op, string x, int[] shape, int kernel, int stride, PaddingMode padding, string prefix, int stage)
    {
        if (shape.Length != 3)
        {
            throw new NotSupportedException($"Stage {stage} ({kernel}×{kernel} {(op == "MaxPool" ? "max" : "average")} pooling) needs [channels, height, width] inputs, got [{string.Join(", ", shape)}].");
        }

        var (ho, top, bottom) = Padding(shape[1], kernel, stride, padding);
        var (wo, left, right) = Padding(shape[2], kernel, stride, padding);
        var attrs = new List<AttributeProto>
        {
            GraphBuilder.Attr("kernel_shape", [kernel, kernel]),
            GraphBuilder.Attr("strides", [stride, stride]),
            GraphBuilder.Attr("pads", [top, left, bottom, right]),
        };
        if (op == "AveragePool")
        {
            // The mean of the window's real cells only (padding is not counted), as MtlSharp's 'same' average pooling.
            attrs.Add(GraphBuilder.Attr("count_include_pad", 0L));
        }

        return (g.Node(op, prefix + "/" + op, [x], [.. attrs]), [shape[0], ho, wo]);
    }
}
