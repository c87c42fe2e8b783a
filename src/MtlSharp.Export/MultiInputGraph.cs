using System.Globalization;
using MtlSharp.Data.Tasks;
using MtlSharp.Export.Onnx;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.MultiInput;
using MtlSharp.NN.Layers;
using DataType = MtlSharp.Export.Onnx.TensorProto.Types.DataType;

namespace MtlSharp.Export;

/// <summary>
/// Translates a <see cref="MultiInputModel"/> (or the <see cref="ClassPriorModel"/> baseline) at evaluation into one
/// ONNX graph: one group of graph inputs per input type the exported tasks read, each task's encoder on its inputs,
/// the shared core (dense tanh layers, or any routed network with its maximum-likelihood allocation, via
/// <see cref="RoutedGraph.Stages"/>) and its head, an output per task. Per-token tasks (tagging) read the core per
/// token, as the model does: the token encoder's [N·T, width] rows go through the core and the head, and the result
/// is shaped [N, T, tags].
/// </summary>
/// <remarks>
/// <para>Encoders: conv (Conv, Relu, MaxPool, Flatten, Gemm, Tanh); dense (Gemm, Tanh); letter-trigram bag (Gather of
/// the [buckets, width] weight at the padded bucket ids, times the bag weights, ReduceSum over the bag, Add bias,
/// Tanh: the embedding bag); tokens and BiLSTM sentence encoder (the tagger export's word embedding ⊕ character
/// BiLSTM and ONNX <c>LSTM</c> layers with <c>sequence_lens</c>; per token Reshape, Gemm, Tanh; per sentence the mean
/// over the real tokens — a mask of Range &lt; length times 1/length, Mul, ReduceSum — or the maximum with −10⁴ at
/// padding, then Gemm, Tanh). The nodes of an encoder or core computation several tasks share appear once.</para>
/// <para>Inputs are named after their type (<see cref="OnnxExporter.ImagesInput"/>, <see cref="OnnxExporter.RowsInput"/>,
/// the tagger's <see cref="OnnxExporter.WordsInput"/>…, <see cref="OnnxExporter.TrigramIdsInput"/> and
/// <see cref="OnnxExporter.TrigramWeightsInput"/>); when the exported tasks read two data inputs of one type, each
/// name gets the data input's name as a suffix (<c>images_digits</c>).</para>
/// </remarks>
internal static class MultiInputGraph
{
    private const string Batch = "N";

    /// <summary>What the graph built: its input names, per exported task the inputs it reads.</summary>
    public sealed record Result(GraphBuilder Graph, IReadOnlyList<string> Inputs, IReadOnlyDictionary<int, IReadOnlyList<string>> TaskInputs);

    /// <summary>Builds the graph of tasks <paramref name="selected"/> (ascending) of <paramref name="model"/>.</summary>
    public static Result Build(IMultiTaskModel model, IReadOnlyList<TaskInputFormat> formats, IReadOnlyList<TaskInfo> tasks, IReadOnlyList<int> selected)
    {
        var g = new GraphBuilder();
        g.Graph.Name = model is ClassPriorModel ? "MtlSharp.ClassPriorModel" : "MtlSharp.MultiInputModel";
        foreach (int t in selected)
        {
            g.Reserve(tasks[t].Name);
        }

        var inputs = new Inputs(g, formats, selected, model);
        var taskInputs = new Dictionary<int, IReadOnlyList<string>>();
        foreach (int t in selected)
        {
            var info = tasks[t];
            string what = RoutedGraph.Describe(info);
            if (model is ClassPriorModel prior)
            {
                string lengths = inputs.Sentences(t)[1];
                taskInputs[t] = [lengths];
                var bias = prior.Bias(t);
                string shape = g.Node("Concat", $"/prior/{info.Name}/shape", [g.Node("Shape", "/prior/batch", [lengths]), g.Int64s(bias.Length)], GraphBuilder.Attr("axis", 0L));
                g.NodeTo(info.Name, "Expand", [g.Floats($"bias{t.ToString(CultureInfo.InvariantCulture)}", bias.Span, bias.Length), shape]);
                g.Graph.Output.Add(GraphBuilder.FloatValue(info.Name, Batch, [bias.Length], what + "; the class prior: the same for every row"));
                continue;
            }

            var m = (MultiInputModel)model;
            int e = m.TaskEncoder[t];
            var (h, read) = Encode(g, inputs, m.Encoders[e], e, t, formats[t]);
            taskInputs[t] = read;
            bool perToken = formats[t].PerToken;
            string logits;
            if (m.RoutedCore is { } core)
            {
                var current = new Dictionary<int, string> { [t] = h };
                int[] shape = RoutedGraph.Stages(g, core, current, [m.Encoders[e].OutputWidth], [t], _ => h);
                var heads = core.Heads ?? throw new NotSupportedException("The multi-input model's routed core has no task heads.");
                logits = RoutedGraph.Head(g, heads, t, info, current[t], shape, what, toOutput: !perToken);
            }
            else
            {
                for (int l = 0; l < m.CoreWeights.Count; l++)
                {
                    h = g.Node("Tanh", $"/core/l{l.ToString(CultureInfo.InvariantCulture)}/Tanh", [ExpertGraph.Dense(g, m.CoreWeights[l], m.CoreBiases[l], h, $"/core/l{l.ToString(CultureInfo.InvariantCulture)}")]);
                }

                int width = m.CoreWeights.Count > 0 ? m.CoreWeights[^1].Shape[0] : m.Encoders[e].OutputWidth;
                logits = RoutedGraph.Head(g, m.Heads!, t, info, h, [width], what, toOutput: !perToken);
            }

            if (perToken)
            {
                // [N·T, tags] → [N, T, tags], as the sentences came in.
                string nt = g.Node("Shape", "/tokens/shape_NT", [read[0]]);
                string shape = g.Node("Concat", $"/task/{info.Name}/shape", [nt, g.Int64s(info.Outputs)], GraphBuilder.Attr("axis", 0L));
                g.NodeTo(info.Name, "Reshape", [logits, shape]);
                g.Graph.Output.Add(GraphBuilder.Value(info.Name, DataType.Float, $"float [N, T, {info.Outputs}]: {what} per token; positions past a sentence's length are padding", Batch, TaggerGraph.Time, info.Outputs.ToString(CultureInfo.InvariantCulture)));
            }
        }

        return new Result(g, inputs.Names, taskInputs);
    }

    /// <summary>Encoder <paramref name="e"/> on task <paramref name="t"/>'s inputs: [rows, width] and the graph inputs read.</summary>
    private static (string Output, IReadOnlyList<string> Read) Encode(GraphBuilder g, Inputs inputs, IInputEncoder encoder, int e, int t, TaskInputFormat format)
    {
        string prefix = "/encoder" + e.ToString(CultureInfo.InvariantCulture);
        switch (encoder)
        {
            case ConvImageEncoder conv:
            {
                string x = inputs.Images(t);
                int[] shape = [.. format.ImageShape ?? throw new NotSupportedException($"Task {t}: the run does not give its image shape.")];
                var (y, s) = ModuleGraph.Translate(g, conv.Conv, x, shape, prefix + "/conv", 0);
                y = g.Node("Relu", prefix + "/Relu", [y]);
                (y, _) = ModuleGraph.Translate(g, conv.Pool, y, s, prefix + "/pool", 0);
                y = g.Node("Flatten", prefix + "/Flatten", [y], GraphBuilder.Attr("axis", 1L));
                return (Projection(g, conv.Projection, y, prefix), [x]);
            }

            case DenseEncoder dense:
            {
                string x = inputs.Rows(t);
                return (Projection(g, dense.Linear, x, prefix), [x]);
            }

            case TrigramBagEncoder bag:
            {
                var (ids, weights) = inputs.Trigrams(t);
                var w = bag.Weight;
                string rows = g.Node("Gather", prefix + "/Gather", [g.Floats(w.Name, w.Value.Span, w.Shape[0], w.Shape[1]), ids], GraphBuilder.Attr("axis", 0L));   // [N, K, width]
                string scaled = g.Node("Mul", prefix + "/Mul", [rows, g.Node("Unsqueeze", prefix + "/weights", [weights, g.Int64s(2)])]);
                string sum = g.Node("ReduceSum", prefix + "/ReduceSum", [scaled, g.Int64s(1)], GraphBuilder.Attr("keepdims", 0L));   // [N, width]
                var b = bag.Bias;
                return (g.Node("Tanh", prefix + "/Tanh", [g.Node("Add", prefix + "/Add", [sum, g.Floats(b.Name, b.Value.Span, b.Shape[0])])]), [ids, weights]);
            }

            case BiLstmTokenEncoder tokens:
            {
                string[] read = inputs.Sentences(t);
                string h = Recurrent(g, tokens.Words, tokens.Lstm, read, e, prefix);   // [N, T, 2H]
                string flat = g.Node("Reshape", prefix + "/per_token", [h, g.Int64s(-1, 2L * tokens.Lstm.HiddenSize)]);
                return (Projection(g, tokens.Projection, flat, prefix), read);
            }

            case BiLstmSentenceEncoder sentence:
            {
                string[] read = inputs.Sentences(t);
                string h = Recurrent(g, sentence.Words, sentence.Lstm, read, e, prefix);   // [N, T, 2H]
                string nt = g.Node("Shape", "/tokens/shape_NT", [read[0]]);
                string time = g.Node("Squeeze", "/tokens/T", [g.Node("Slice", "/tokens/T_slice", [nt, g.Int64s(1), g.Int64s(2)])]);
                string positions = g.Node("Range", "/tokens/positions", [g.Int64Scalar(0), time, g.Int64Scalar(1)]);   // [T]
                string real = g.Node("Less", "/tokens/real", [
                    g.Node("Unsqueeze", "/tokens/positions_row", [positions, g.Int64s(0)]),
                    g.Node("Unsqueeze", "/tokens/lengths_column", [read[1], g.Int64s(1)])]);   // [N, T]
                string mask = g.Node("Cast", "/tokens/mask", [real], GraphBuilder.Attr("to", (long)DataType.Float));
                string pooled;
                if (sentence.Pooling == SentencePooling.Mean)
                {
                    string length = g.Node("Unsqueeze", "/tokens/lengths_float", [g.Node("Cast", "/tokens/lengths_cast", [read[1]], GraphBuilder.Attr("to", (long)DataType.Float)), g.Int64s(1)]);
                    string weights = g.Node("Div", "/tokens/mean_weights", [mask, length]);   // 1/length at real tokens, 0 at padding
                    string scaled = g.Node("Mul", prefix + "/mean/Mul", [h, g.Node("Unsqueeze", "/tokens/mean_weights3", [weights, g.Int64s(2)])]);
                    pooled = g.Node("ReduceSum", prefix + "/mean/ReduceSum", [scaled, g.Int64s(1)], GraphBuilder.Attr("keepdims", 0L));
                }
                else
                {
                    string penalty = g.Node("Mul", "/tokens/max_penalty", [g.Node("Sub", "/tokens/padding", [g.FloatScalar(1f), mask]), g.FloatScalar(-1e4f)]);
                    string shifted = g.Node("Add", prefix + "/max/Add", [h, g.Node("Unsqueeze", "/tokens/max_penalty3", [penalty, g.Int64s(2)])]);
                    pooled = g.Node("ReduceMax", prefix + "/max/ReduceMax", [shifted], GraphBuilder.Attr("axes", [1L]), GraphBuilder.Attr("keepdims", 0L));
                }

                return (Projection(g, sentence.Projection, pooled, prefix), read);
            }

            default:
                throw new NotSupportedException($"Encoder {e} ({encoder.GetType().Name}) has no ONNX translation.");
        }
    }

    /// <summary>The word features and the BiLSTM layers over sentences: [N, T, 2H] (zeros past each sentence's length).</summary>
    private static string Recurrent(GraphBuilder g, MultiTask.Models.Tagging.WordEncoder words, BiLstm lstm, string[] read, int e, string prefix)
    {
        string nt = g.Node("Shape", "/tokens/shape_NT", [read[0]]);
        string x = TaggerGraph.WordFeatures(g, words, read[0], read[2], read[3], nt, prefix + "/words", $"encoder{e.ToString(CultureInfo.InvariantCulture)}.char_lstm");
        string h = g.Node("Transpose", prefix + "/to_time_major", [x], GraphBuilder.Attr("perm", [1L, 0, 2]));
        string lens = g.Node("Cast", "/tokens/lengths_i32", [read[1]], GraphBuilder.Attr("to", (long)DataType.Int32));
        for (int l = 0; l < lstm.Layers; l++)
        {
            h = TaggerGraph.BiLstmLayer(g, lstm, l, h, lens, prefix + "/lstm");
        }

        return g.Node("Transpose", prefix + "/to_batch_major", [h], GraphBuilder.Attr("perm", [1L, 0, 2]));
    }

    /// <summary>tanh(x Wᵀ + b): every encoder's projection to the core's width.</summary>
    private static string Projection(GraphBuilder g, Linear linear, string x, string prefix)
    {
        var bias = linear.Bias ?? throw new NotSupportedException($"{prefix}: a projection without bias has no translation.");
        return g.Node("Tanh", prefix + "/projection/Tanh", [ExpertGraph.Dense(g, linear.Weight, bias, x, prefix + "/projection")]);
    }

    /// <summary>The graph inputs, added on first use: one group per (input type, data input).</summary>
    private sealed class Inputs
    {
        private readonly GraphBuilder _g;
        private readonly IReadOnlyList<TaskInputFormat> _formats;
        private readonly Dictionary<string, int> _dataInputs = new(StringComparer.Ordinal);
        private readonly HashSet<string> _added = new(StringComparer.Ordinal);

        public Inputs(GraphBuilder g, IReadOnlyList<TaskInputFormat> formats, IReadOnlyList<int> selected, IMultiTaskModel model)
        {
            _g = g;
            _formats = formats;
            foreach (int t in selected)
            {
                string family = Family(model, t, formats[t]);
                string key = family + "|" + formats[t].Input;
                if (_added.Add(key))
                {
                    _dataInputs[family] = _dataInputs.GetValueOrDefault(family) + 1;
                }
            }

            _added.Clear();
        }

        public List<string> Names { get; } = [];

        public string Images(int t)
        {
            var f = _formats[t];
            string name = Name(OnnxExporter.ImagesInput, "images", f);
            Add(name, () => GraphBuilder.FloatValue(name, Batch, f.ImageShape!, $"float [N, {string.Join(", ", f.ImageShape!)}]: images of input '{f.Input}', grey levels / 255 (as the run's IDX images)"));
            return name;
        }

        public string Rows(int t)
        {
            var f = _formats[t];
            int width = f.Csv?.InputWidth ?? throw new NotSupportedException($"Task {t}: the run does not give its rows' encoding.");
            string name = Name(OnnxExporter.RowsInput, "rows", f);
            Add(name, () => GraphBuilder.FloatValue(name, Batch, [width], $"float [N, {width}]: rows of input '{f.Input}' in the run's encoding (numbers standardised on the training split, categories one-hot)"));
            return name;
        }

        public (string Ids, string Weights) Trigrams(int t)
        {
            var f = _formats[t];
            string ids = Name(OnnxExporter.TrigramIdsInput, "trigrams", f), weights = Name(OnnxExporter.TrigramWeightsInput, "trigrams", f);
            int buckets = f.Hasher?.Buckets ?? 0;
            Add(ids, () => GraphBuilder.Value(ids, DataType.Int64, $"int64 [N, K]: each sentence's letter-trigram bucket ids (FNV-1a 32 of the trigram's UTF-8 bytes mod {buckets}), each distinct bucket once, padded with 0", Batch, "K"));
            Add(weights, () => GraphBuilder.Value(weights, DataType.Float, "float [N, K]: the bucket's count in the sentence, normalised as in training (see metadata mtl.trigram.normalization); 0 for padding", Batch, "K"));
            return (ids, weights);
        }

        /// <summary>Words, lengths, chars, char_lengths (the tagger export's inputs).</summary>
        public string[] Sentences(int t)
        {
            var f = _formats[t];
            string[] names = [.. new[] { OnnxExporter.WordsInput, OnnxExporter.LengthsInput, OnnxExporter.CharsInput, OnnxExporter.CharLengthsInput }.Select(n => Name(n, "sentences", f))];
            if (_formats[t].Batcher is null)
            {
                // The class prior reads only the number of sentences.
                Add(names[1], () => GraphBuilder.Value(names[1], DataType.Int64, "int64 [N]: tokens per sentence (only the batch size is read: the class prior gives every sentence the same logits)", Batch));
                return names;
            }

            if (_added.Add(names[0]))
            {
                foreach (string n in names)
                {
                    _g.Reserve(n);
                    Names.Add(n);
                }

                TaggerGraph.SentenceInputs(_g, names[0], names[1], names[2], names[3]);
            }

            return names;
        }

        private string Name(string name, string family, TaskInputFormat f) =>
            _dataInputs.GetValueOrDefault(family) > 1 ? name + "_" + f.Input : name;

        private void Add(string name, Func<ValueInfoProto> value)
        {
            if (_added.Add(name))
            {
                _g.Reserve(name);
                Names.Add(name);
                _g.Graph.Input.Add(value());
            }
        }

        private static string Family(IMultiTaskModel model, int t, TaskInputFormat f) =>
            model is MultiInputModel m && m.Encoders[m.TaskEncoder[t]] is TrigramBagEncoder ? "trigrams" : f.Kind switch
            {
                TaskInputKind.Images => "images",
                TaskInputKind.Rows => "rows",
                _ => "sentences",
            };
    }
}
