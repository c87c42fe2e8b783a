using System.Globalization;
using MtlSharp.Data.Tasks;
using MtlSharp.Export.Onnx;
using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.NN;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;
using DataType = MtlSharp.Export.Onnx.TensorProto.Types.DataType;

namespace MtlSharp.Export;

/// <summary>
/// Translates a <see cref="SequenceTagger"/> at evaluation (no noise, no word dropout) into one ONNX graph: word
/// embedding (Gather) ⊕ the character BiLSTM's final states (ONNX <c>LSTM</c> over every token's characters, its
/// Y_h output), the word BiLSTM layers (<c>LSTM</c>, bidirectional, with <c>sequence_lens</c>), α subspace mixing
/// (MatMul with α's rows), the layer connection (last layer, concatenation, or β mixture) and per task
/// Linear → ReLU → Linear (MatMul, Add). The BiLSTM layers run time-major ([T, N, ·]) as the LSTM op takes them.
/// </summary>
/// <remarks>
/// Gate blocks: MtlSharp (as PyTorch) stores them in the order i, f, g, o; ONNX's <c>LSTM</c> wants i, o, f, c, and
/// its bias B is [Wb; Rb] = [bias_ih; bias_hh] per direction. The character LSTM runs only on the positions of the
/// padded [N, T] grid with at least one character; the others (padding) get zero character features, as in MtlSharp.
/// </remarks>
internal static class TaggerGraph
{
    public const string Batch = "N";
    public const string Time = "T";
    public const string CharTime = "L";

    public static GraphBuilder Build(SequenceTagger tagger, IReadOnlyList<TaskInfo> tasks, IReadOnlyList<int> selected)
    {
        var g = new GraphBuilder();
        string words = OnnxExporter.WordsInput, lengths = OnnxExporter.LengthsInput, chars = OnnxExporter.CharsInput, charLengths = OnnxExporter.CharLengthsInput;
        foreach (string name in new[] { words, lengths, chars, charLengths })
        {
            g.Reserve(name);
        }

        foreach (int t in selected)
        {
            g.Reserve(tasks[t].Name);
        }

        g.Graph.Name = "MtlSharp.SequenceTagger";
        SentenceInputs(g, words, lengths, chars, charLengths);

        var config = tagger.Config;
        var encoder = tagger.Encoder;
        string nt = g.Node("Shape", "/shape_NT", [words]);   // [N, T]

        // Word embedding ⊕ character features, [N, T, D].
        string x = WordFeatures(g, encoder, words, chars, charLengths, nt);
        string xt = g.Node("Transpose", "/encoder/to_time_major", [x], GraphBuilder.Attr("perm", [1L, 0, 2]));
        string lens = g.Node("Cast", "/lengths_i32", [lengths], GraphBuilder.Attr("to", (long)DataType.Int32));

        // BiLSTM layers: per task, the outputs of the layers it reads ([T, N, 2H] each).
        var taskLayers = config.PerTaskNetworks
            ? PerTaskLayers(g, tagger, selected, xt, lens)
            : SharedLayers(g, tagger, selected, xt, lens);

        foreach (int t in selected)
        {
            var info = tasks[t];
            string prefix = "/task/" + info.Name;
            var layers = taskLayers[t];
            string rep = config.Connection switch
            {
                LayerConnection.Last => layers[^1],
                LayerConnection.Concat => layers.Count == 1 ? layers[0] : g.Node("Concat", prefix + "/Concat", layers, GraphBuilder.Attr("axis", 2L)),
                _ => BetaMix(g, tagger, layers, t, prefix),
            };
            string batchMajor = g.Node("Transpose", prefix + "/to_batch_major", [rep], GraphBuilder.Attr("perm", [1L, 0, 2]));
            var head = tagger.Heads[t];
            string h = g.Node("Relu", prefix + "/hidden/Relu", [Linear(g, head.Hidden, batchMajor, prefix + "/hidden")]);
            var output = head.Output;
            string w = g.Floats(output.Weight.Name + ".T", Transposed(output.Weight), output.InFeatures, output.OutFeatures);
            string mm = g.Node("MatMul", prefix + "/output/MatMul", [h, w]);
            if (output.Bias is { } b)
            {
                g.NodeTo(info.Name, "Add", [mm, g.Floats(b.Name, b.Value.Span, b.Shape[0])]);
            }
            else
            {
                g.NodeTo(info.Name, "Identity", [mm]);
            }

            g.Graph.Output.Add(GraphBuilder.Value(info.Name, DataType.Float, $"float [N, T, {info.Outputs}]: logits of task '{info.Name}' per token (softmax for probabilities); positions past a sentence's length are padding", Batch, Time, info.Outputs.ToString(CultureInfo.InvariantCulture)));
        }

        return g;
    }

    /// <summary>The four int64 sentence inputs (word ids, lengths, character ids, character lengths) with their descriptions.</summary>
    internal static void SentenceInputs(GraphBuilder g, string words, string lengths, string chars, string charLengths)
    {
        g.Graph.Input.Add(GraphBuilder.Value(words, DataType.Int64, "int64 [N, T]: word ids (the run's word vocabulary; unknown words → <unk>, padding → 0)", Batch, Time));
        g.Graph.Input.Add(GraphBuilder.Value(lengths, DataType.Int64, "int64 [N]: tokens per sentence, in [1, T]", Batch));
        g.Graph.Input.Add(GraphBuilder.Value(chars, DataType.Int64, "int64 [N, T, L]: character ids per token (the run's character vocabulary; padding → 0), L ≥ 1", Batch, Time, CharTime));
        g.Graph.Input.Add(GraphBuilder.Value(charLengths, DataType.Int64, "int64 [N, T]: characters per token (at most the run's maximum word length), 0 for padding", Batch, Time));
    }

    /// <summary>
    /// [N, T, WordDim + 2·CharHidden]: the word embedding (Gather) ⊕ the character features of
    /// <paramref name="encoder"/>; node names start with <paramref name="prefix"/>, the character LSTM's initializers
    /// with <paramref name="lstmName"/> (distinct per encoder when a graph holds several).
    /// </summary>
    internal static string WordFeatures(GraphBuilder g, WordEncoder encoder, string words, string chars, string charLengths, string nt, string prefix = "/encoder", string lstmName = "encoder.char_lstm")
    {
        var we = encoder.Words.Weight;
        string wordEmb = g.Node("Gather", prefix + "/words/Gather", [g.Floats(we.Name, we.Value.Span, we.Shape[0], we.Shape[1]), words], GraphBuilder.Attr("axis", 0L));
        string charFeatures = CharFeatures(g, encoder, chars, charLengths, nt, prefix, lstmName);
        return g.Node("Concat", prefix + "/Concat", [wordEmb, charFeatures], GraphBuilder.Attr("axis", 2L));
    }

    /// <summary>
    /// [N, T, 2·CharHidden]: the character BiLSTM's final forward and reverse states per token, zero for tokens of no
    /// characters (padding). Only the K tokens with characters go through the LSTM (NonZero, GatherND; their states
    /// are scattered back with ScatterND), as MtlSharp runs only the real tokens.
    /// </summary>
    private static string CharFeatures(GraphBuilder g, WordEncoder encoder, string chars, string charLengths, string nt, string prefix, string lstmName)
    {
        var ce = encoder.Chars.Weight;
        var lstm = encoder.CharLstm;
        int hidden = lstm.HiddenSize;
        string flatIds = g.Node("Flatten", prefix + "/chars/Flatten", [chars], GraphBuilder.Attr("axis", 2L));   // [N·T, L]
        string flatLens = g.Node("Reshape", prefix + "/chars/lengths", [charLengths, g.Int64s(-1)]);   // [N·T]
        string real = g.Node("Greater", prefix + "/chars/real", [flatLens, g.Int64Scalar(0)]);
        string at = g.Node("Transpose", prefix + "/chars/positions", [g.Node("NonZero", prefix + "/chars/NonZero", [real])], GraphBuilder.Attr("perm", [1L, 0]));   // [K, 1]
        string ids = g.Node("GatherND", prefix + "/chars/ids", [flatIds, at]);   // [K, L]
        string lens = g.Node("Cast", prefix + "/chars/lengths_i32", [g.Node("GatherND", prefix + "/chars/real_lengths", [flatLens, at])], GraphBuilder.Attr("to", (long)DataType.Int32));
        string emb = g.Node("Gather", prefix + "/chars/Gather", [g.Floats(ce.Name, ce.Value.Span, ce.Shape[0], ce.Shape[1]), ids], GraphBuilder.Attr("axis", 0L));   // [K, L, C]
        string embT = g.Node("Transpose", prefix + "/chars/to_time_major", [emb], GraphBuilder.Attr("perm", [1L, 0, 2]));
        var (w, r, b) = LstmInitializers(g, lstm, 0, lstmName);
        string yh = g.Node("LSTM", prefix + "/char_lstm/LSTM", [embT, w, r, b, lens], 1, LstmAttributes(hidden));   // Y_h [2, K, Hc]
        string perToken = g.Node("Reshape", prefix + "/char_lstm/final_states", [
            g.Node("Transpose", prefix + "/char_lstm/Transpose", [yh], GraphBuilder.Attr("perm", [1L, 0, 2])),
            g.Int64s(-1, 2L * hidden)]);   // [K, 2Hc]
        var zero = new TensorProto { DataType = (int)DataType.Float };
        zero.Dims.Add(1);
        zero.FloatData.Add(0f);
        string zeros = g.Node("ConstantOfShape", prefix + "/char_features/zeros", [
            g.Node("Concat", prefix + "/char_features/zeros_shape", [g.Node("Shape", prefix + "/chars/count", [flatLens]), g.Int64s(2L * hidden)], GraphBuilder.Attr("axis", 0L))],
            GraphBuilder.Attr("value", zero));   // [N·T, 2Hc]
        string scattered = g.Node("ScatterND", prefix + "/char_features/ScatterND", [zeros, at, perToken]);
        string shape = g.Node("Concat", prefix + "/char_features_shape", [nt, g.Int64s(2L * hidden)], GraphBuilder.Attr("axis", 0L));
        return g.Node("Reshape", prefix + "/char_features", [scattered, shape]);   // [N, T, 2Hc]
    }

    /// <summary>One shared stack: layer l's output for every task that reads it.</summary>
    private static Dictionary<int, List<string>> SharedLayers(GraphBuilder g, SequenceTagger tagger, IReadOnlyList<int> selected, string x, string lens)
    {
        int need = selected.Max(t => tagger.PredictionLayers[t]);
        var outs = new List<string>();
        string h = x;
        for (int l = 0; l < need; l++)
        {
            h = BiLstmLayer(g, tagger.Stacks[0], l, h, lens, "/lstm");
            outs.Add(h);
        }

        return selected.ToDictionary(t => t, t => outs.Take(tagger.PredictionLayers[t]).ToList());
    }

    /// <summary>One stack per task, mixed by α after every layer (with more than one task).</summary>
    private static Dictionary<int, List<string>> PerTaskLayers(GraphBuilder g, SequenceTagger tagger, IReadOnlyList<int> selected, string x, string lens)
    {
        int m = tagger.Tasks, s = tagger.Config.Subspaces;
        int need = selected.Max(t => tagger.PredictionLayers[t]);
        var inputs = Enumerable.Repeat(x, m).ToArray();
        var perTask = Enumerable.Range(0, m).Select(_ => new List<string>()).ToArray();
        for (int l = 0; l < need; l++)
        {
            var outs = new string[m];
            for (int t = 0; t < m; t++)
            {
                outs[t] = BiLstmLayer(g, tagger.Stacks[t], l, inputs[t], lens, "/lstm" + t.ToString(CultureInfo.InvariantCulture));
            }

            // The last layer's mixture only for the exported tasks; inner ones for every task (the next layer mixes them all).
            var targets = l == need - 1 ? selected : Enumerable.Range(0, m).ToList();
            string? stacked = null;
            foreach (int t in targets)
            {
                if (m == 1)
                {
                    inputs[t] = outs[t];
                }
                else
                {
                    stacked ??= StackSubspaces(g, outs, s, l);
                    inputs[t] = AlphaMix(g, tagger.Alpha[l], stacked, t, s, l);
                }

                perTask[t].Add(inputs[t]);
            }
        }

        return selected.ToDictionary(t => t, t => perTask[t].Take(tagger.PredictionLayers[t]).ToList());
    }

    /// <summary>The task states [T, N, 2H] as [T, N, 2, M·S, c] (direction, task·subspace, unit), c = H / S.</summary>
    private static string StackSubspaces(GraphBuilder g, string[] outs, int subspaces, int layer)
    {
        string prefix = "/alpha" + layer.ToString(CultureInfo.InvariantCulture);
        string split = g.Int64s(0, 0, 2, subspaces, -1);
        var parts = outs.Select((o, t) => g.Node("Reshape", $"{prefix}/split{t.ToString(CultureInfo.InvariantCulture)}", [o, split])).ToList();
        return g.Node("Concat", prefix + "/stack", parts, GraphBuilder.Attr("axis", 3L));
    }

    /// <summary>Task <paramref name="task"/>'s new state: α[task·S : (task+1)·S, :] · stacked, back to [T, N, 2H] (as <see cref="SubspaceMixing"/>).</summary>
    private static string AlphaMix(GraphBuilder g, Tensor alpha, string stacked, int task, int subspaces, int layer)
    {
        int ms = alpha.Shape[1];
        string prefix = $"/alpha{layer.ToString(CultureInfo.InvariantCulture)}/task{task.ToString(CultureInfo.InvariantCulture)}";
        string rows = g.Floats($"alpha{layer.ToString(CultureInfo.InvariantCulture)}.rows{task.ToString(CultureInfo.InvariantCulture)}", alpha.Span.Slice(task * subspaces * ms, subspaces * ms), subspaces, ms);
        string mixed = g.Node("MatMul", prefix + "/MatMul", [rows, stacked]);   // [T, N, 2, S, c]
        return g.Node("Reshape", prefix + "/merge", [mixed, g.Int64s(0, 0, -1)]);
    }

    /// <summary>Σ_k β[task, k] · layers[k] (as <see cref="LayerMixing"/>).</summary>
    private static string BetaMix(GraphBuilder g, SequenceTagger tagger, List<string> layers, int task, string prefix)
    {
        var beta = tagger.Beta ?? throw new NotSupportedException("The tagger mixes its layers by β but holds no β.");
        int k = beta.Shape[1];
        if (layers.Count != k)
        {
            throw new NotSupportedException("β mixing needs every task to read all layers.");
        }

        var terms = new List<string>();
        for (int l = 0; l < k; l++)
        {
            terms.Add(g.Node("Mul", $"{prefix}/beta{l.ToString(CultureInfo.InvariantCulture)}", [layers[l], g.FloatScalar(beta.Span[(task * k) + l])]));
        }

        return terms.Count == 1 ? terms[0] : g.Node("Sum", prefix + "/beta", terms);
    }

    /// <summary>One bidirectional layer: x [T, N, I] → [T, N, 2H] (forward units, then reverse).</summary>
    internal static string BiLstmLayer(GraphBuilder g, BiLstm stack, int layer, string x, string lens, string prefix)
    {
        string l = layer.ToString(CultureInfo.InvariantCulture);
        var (w, r, b) = LstmInitializers(g, stack, layer, $"{prefix.TrimStart('/')}.l{l}");
        string y = g.Node("LSTM", $"{prefix}/l{l}/LSTM", [x, w, r, b, lens], LstmAttributes(stack.HiddenSize));   // [T, 2, N, H]
        string yt = g.Node("Transpose", $"{prefix}/l{l}/Transpose", [y], GraphBuilder.Attr("perm", [0L, 2, 1, 3]));   // [T, N, 2, H]
        return g.Node("Reshape", $"{prefix}/l{l}/Reshape", [yt, g.Int64s(0, 0, -1)]);
    }

    private static AttributeProto[] LstmAttributes(int hidden) =>
    [
        GraphBuilder.Attr("hidden_size", (long)hidden),
        GraphBuilder.Attr("direction", "bidirectional"),
    ];

    /// <summary>W [2, 4H, I], R [2, 4H, H], B [2, 8H] of layer <paramref name="layer"/>, gate blocks reordered i, f, g, o → i, o, f, c.</summary>
    private static (string W, string R, string B) LstmInitializers(GraphBuilder g, BiLstm stack, int layer, string name)
    {
        int h = stack.HiddenSize;
        var f = stack.Direction(layer, false);
        var r = stack.Direction(layer, true);
        int input = f.WeightIh.Shape[1];
        var w = new float[2 * 4 * h * input];
        var rr = new float[2 * 4 * h * h];
        var b = new float[2 * 8 * h];
        int d = 0;
        foreach (var dir in new[] { f, r })
        {
            Reorder(dir.WeightIh.Value.Span, w.AsSpan(d * 4 * h * input, 4 * h * input), h * input);
            Reorder(dir.WeightHh.Value.Span, rr.AsSpan(d * 4 * h * h, 4 * h * h), h * h);
            if (dir.BiasIh is { } bi)
            {
                Reorder(bi.Value.Span, b.AsSpan(d * 8 * h, 4 * h), h);
            }

            if (dir.BiasHh is { } bh)
            {
                Reorder(bh.Value.Span, b.AsSpan((d * 8 * h) + (4 * h), 4 * h), h);
            }

            d++;
        }

        return (g.Floats(name + ".W", w, 2, 4 * h, input), g.Floats(name + ".R", rr, 2, 4 * h, h), g.Floats(name + ".B", b, 2, 8 * h));
    }

    /// <summary>Gate blocks of <paramref name="block"/> values: MtlSharp's i, f, g, o → ONNX's i, o, f, c.</summary>
    private static void Reorder(ReadOnlySpan<float> source, Span<float> destination, int block)
    {
        ReadOnlySpan<int> from = [(int)LstmGate.Input, (int)LstmGate.Output, (int)LstmGate.Forget, (int)LstmGate.Cell];
        for (int k = 0; k < 4; k++)
        {
            source.Slice(from[k] * block, block).CopyTo(destination.Slice(k * block, block));
        }
    }

    /// <summary>x [.., in] · Wᵀ + b.</summary>
    private static string Linear(GraphBuilder g, Linear layer, string x, string prefix)
    {
        string w = g.Floats(layer.Weight.Name + ".T", Transposed(layer.Weight), layer.InFeatures, layer.OutFeatures);
        string y = g.Node("MatMul", prefix + "/MatMul", [x, w]);
        return layer.Bias is { } b ? g.Node("Add", prefix + "/Add", [y, g.Floats(b.Name, b.Value.Span, b.Shape[0])]) : y;
    }

    /// <summary>A [out, in] weight as [in, out].</summary>
    private static float[] Transposed(Parameter weight)
    {
        int rows = weight.Shape[0], cols = weight.Shape[1];
        var s = weight.Value.Span;
        var t = new float[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                t[(j * rows) + i] = s[(i * cols) + j];
            }
        }

        return t;
    }
}
