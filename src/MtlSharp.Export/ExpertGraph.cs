using System.Globalization;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.Export;

/// <summary>
/// Translates an expert mixture at evaluation into one ONNX graph: the optional embedded-input stage, the experts
/// (MLPs: Gemm, ReLU), per-example softmax gates (Gemm, Softmax), the gate-weighted sum of the experts (Unsqueeze,
/// Concat, Mul, ReduceSum) and the task towers (Gemm). MMoE (<see cref="MixtureOfExperts"/>, one gate per task or one
/// gate for all: then computed once) and PLE / CGC (<see cref="ProgressiveLayeredExtraction"/>: per level shared and
/// task experts, task gates over shared + own experts, a shared gate over all experts between levels).
/// </summary>
internal static class ExpertGraph
{
    public static GraphBuilder Build(ExpertNetwork network, IReadOnlyList<int> sampleShape, IReadOnlyList<TaskInfo> tasks, IReadOnlyList<int> selected, string inputName)
    {
        var g = new GraphBuilder();
        g.Reserve(inputName);
        foreach (int t in selected)
        {
            g.Reserve(tasks[t].Name);
        }

        g.Graph.Name = "MtlSharp." + network.GetType().Name;
        g.Graph.Input.Add(GraphBuilder.FloatValue(inputName, RoutedGraph.Batch, sampleShape, $"float [{RoutedGraph.Batch}, {string.Join(", ", sampleShape)}]: one example per row, as the run's test inputs"));
        var (inputStage, towers) = network switch
        {
            MixtureOfExperts moe => (moe.InputStage, moe.Towers),
            ProgressiveLayeredExtraction ple => (ple.InputStage, ple.Towers),
            SoftOrderedNetwork so => (so.InputStage, so.Towers),
            CrossStitchNetwork cs => (cs.InputStage, cs.Towers),
            TaskConditionedNetwork tc => (tc.InputStage, tc.Towers),
            TaskAttentionNetwork ta => (ta.InputStage, ta.Towers),
            AdaShareNetwork ad => (ad.InputStage, ad.Towers),
            BranchedNetwork br => (br.InputStage, br.Towers),
            SluiceNetwork sl => (sl.InputStage, sl.Towers),
            ConvCrossStitchNetwork cc => (null, cc.Towers),
            ConvSluiceNetwork cl => (null, cl.Towers),
            _ => throw new NotSupportedException($"Expert networks of type {network.GetType().Name} have no ONNX translation."),
        };
        bool conv = network is ConvCrossStitchNetwork or ConvSluiceNetwork;   // conv columns read the images as they are
        string x = conv ? inputName : Input(g, inputStage, inputName, sampleShape);
        var reps = network switch
        {
            MixtureOfExperts moe => Mmoe(g, moe, x, selected),
            ProgressiveLayeredExtraction ple => Ple(g, ple, x, selected),
            SoftOrderedNetwork so => SoftOrder(g, so, x, selected),
            CrossStitchNetwork cs => CrossStitch(g, cs, x, selected),
            TaskConditionedNetwork tc => TaskConditioned(g, tc, x, selected),
            TaskAttentionNetwork ta => TaskAttention(g, ta, x, selected),
            AdaShareNetwork ad => AdaShare(g, ad, x, selected),
            BranchedNetwork br => Branched(g, br, x, selected),
            SluiceNetwork sl => Sluice(g, sl, x, selected),
            ConvCrossStitchNetwork or ConvSluiceNetwork => ConvStitchGraph.Representations(g, network, x, selected),
            _ => throw new NotSupportedException(),
        };
        int width = towers.InFeatures;
        foreach (int t in selected)
        {
            RoutedGraph.Head(g, towers, t, tasks[t], reps[t], [width], RoutedGraph.Describe(tasks[t]));
        }

        return g;
    }

    /// <summary>The rows the experts read: embedded categorical columns, or the input flattened to [N, features].</summary>
    private static string Input(GraphBuilder g, Module<Tensor, Tensor>? stage, string input, IReadOnlyList<int> shape) => stage switch
    {
        null when shape.Count == 1 => input,
        null => g.Node("Flatten", "/input/Flatten", [input], GraphBuilder.Attr("axis", 1L)),
        EmbeddedInput embedded => RoutedGraph.Embedded(g, embedded, input, [.. shape], "/input"),
        _ => throw new NotSupportedException($"The expert network's input stage ({stage.GetType().Name}) has no ONNX translation."),
    };

    private static Dictionary<int, string> Mmoe(GraphBuilder g, MixtureOfExperts moe, string x, IReadOnlyList<int> selected)
    {
        var experts = Experts(g, moe.Experts, x, "/experts");
        return selected.ToDictionary(t => t, t => Mix(g, experts, moe.GateOf(t) switch
        {
            SoftmaxGate softmax => Gate(g, softmax, x, "/gate"),
            DSelectGate dselect => DSelect(g, dselect, x, "/dselect"),
            var other => throw new NotSupportedException($"Gates of type {other.GetType().Name} have no ONNX translation."),
        }, "/mix"));
    }

    private static Dictionary<int, string> Ple(GraphBuilder g, ProgressiveLayeredExtraction ple, string x, IReadOnlyList<int> selected)
    {
        int tasks = ple.Tasks;
        string shared = x;
        var reps = Enumerable.Repeat(x, tasks).ToArray();
        for (int k = 0; k < ple.Levels; k++)
        {
            bool last = k == ple.Levels - 1;
            string level = "/level" + k.ToString(CultureInfo.InvariantCulture);
            var hs = Experts(g, ple.SharedExpertsOf(k), shared, level + "/shared");
            var own = new List<string>[tasks];
            var next = new string[tasks];
            for (int t = 0; t < tasks; t++)
            {
                // The last level only for the exported tasks; inner ones for every task (the shared gate mixes them all).
                if (last && !selected.Contains(t))
                {
                    continue;
                }

                string task = level + "/task" + t.ToString(CultureInfo.InvariantCulture);
                own[t] = Experts(g, ple.TaskExpertsOf(k, t), reps[t], task);
                next[t] = Mix(g, [.. hs, .. own[t]], Gate(g, ple.TaskGate(k, t), reps[t], task + "/gate"), task + "/mix");
            }

            if (!last)
            {
                var all = new List<string>(hs);
                for (int t = 0; t < tasks; t++)
                {
                    all.AddRange(own[t]);
                }

                var gate = ple.SharedGate(k) ?? throw new InvalidOperationException($"Level {k} has no shared gate.");
                shared = Mix(g, all, Gate(g, gate, shared, level + "/shared_gate"), level + "/shared_mix");
            }

            reps = next;
        }

        return selected.ToDictionary(t => t, t => reps[t]);
    }

    /// <summary>
    /// Soft layer ordering: the shared encoder, then per task and depth every shared layer on the previous depth's
    /// output mixed by the task's (constant) softmax weights.
    /// </summary>
    private static Dictionary<int, string> SoftOrder(GraphBuilder g, SoftOrderedNetwork so, string x, IReadOnlyList<int> selected)
    {
        string encoded = RoutedGraph.Component(g, so.Encoder, 0, x, "/encoder", 0);
        var reps = new Dictionary<int, string>();
        foreach (int t in selected)
        {
            string h = encoded;
            var ordering = so.Ordering(t);
            for (int d = 0; d < so.Depth; d++)
            {
                string prefix = "/task" + t.ToString(CultureInfo.InvariantCulture) + "/depth" + d.ToString(CultureInfo.InvariantCulture);
                var layers = Experts(g, so.Layers, h, prefix);
                float[] w = ordering[d].Select(v => (float)v).ToArray();
                string weights = g.Floats($"order{t}_depth{d}", w, 1, w.Length);   // [1, J], broadcast over the rows
                h = Mix(g, layers, weights, prefix + "/mix");
            }

            reps[t] = h;
        }

        return reps;
    }

    /// <summary>
    /// Cross-stitch: every task's column layer by layer (each reads its own mixed activations), then the learned T × T
    /// units as constant mixtures (channel-wise: Mul by a constant [1, w] per source task, Sum); the columns of tasks
    /// not exported are kept, since the exported ones read them.
    /// </summary>
    private static Dictionary<int, string> CrossStitch(GraphBuilder g, CrossStitchNetwork cs, string x, IReadOnlyList<int> selected)
    {
        int tasks = cs.Tasks;
        var h = Enumerable.Repeat(x, tasks).ToArray();
        for (int l = 0; l < cs.Layers; l++)
        {
            string layer = "/layer" + l.ToString(CultureInfo.InvariantCulture);
            var columns = Enumerable.Range(0, tasks)
                .Select(t => RoutedGraph.Component(g, cs.Column(l), t, h[t], layer + "/task" + t.ToString(CultureInfo.InvariantCulture), 0)).ToList();
            var next = new string[tasks];
            if (cs.ChannelWise)
            {
                // One α per unit: task t's activations are Σ_s (task s's activations) ⊙ α[:, t, s], a constant [1, w].
                int w = cs.Width(l);
                var perUnit = Enumerable.Range(0, w).Select(u => cs.Alpha(l, u)).ToArray();
                for (int t = 0; t < tasks; t++)
                {
                    string prefix = layer + "/stitch" + t.ToString(CultureInfo.InvariantCulture);
                    var terms = new List<string>();
                    for (int s = 0; s < tasks; s++)
                    {
                        float[] weights = perUnit.Select(a => a[t, s]).ToArray();
                        terms.Add(g.Node("Mul", prefix + "/Mul", [columns[s], g.Floats($"alpha{l}_t{t}_s{s}", weights, 1, w)]));
                    }

                    next[t] = terms.Count == 1 ? terms[0] : g.Node("Sum", prefix + "/Sum", terms);
                }

                h = next;
                continue;
            }

            var alpha = cs.Alpha(l);
            for (int t = 0; t < tasks; t++)
            {
                float[] row = Enumerable.Range(0, tasks).Select(s => alpha[t, s]).ToArray();
                string weights = g.Floats($"alpha{l}_row{t}", row, 1, tasks);   // [1, T], broadcast over the rows
                next[t] = Mix(g, columns, weights, layer + "/stitch" + t.ToString(CultureInfo.InvariantCulture));
            }

            h = next;
        }

        return selected.ToDictionary(t => t, t => h[t]);
    }

    /// <summary>Task-conditioned layers: per task, x Wᵀ + b scaled and shifted by the task's (constant) modulation, then ReLU.</summary>
    private static Dictionary<int, string> TaskConditioned(GraphBuilder g, TaskConditionedNetwork tc, string x, IReadOnlyList<int> selected)
    {
        var reps = new Dictionary<int, string>();
        foreach (int t in selected)
        {
            string h = x;
            for (int l = 0; l < tc.Layers; l++)
            {
                string prefix = "/task" + t.ToString(CultureInfo.InvariantCulture) + "/layer" + l.ToString(CultureInfo.InvariantCulture);
                var (w, b) = tc.Layer(l);
                string z = Dense(g, w, b, h, prefix);
                var (scale, shift) = tc.Modulation(t, l);
                string si = g.Floats($"film{l}_scale{t}", scale, 1, scale.Length);
                string hi = g.Floats($"film{l}_shift{t}", shift, 1, shift.Length);
                h = g.Node("Relu", prefix + "/Relu", [g.Node("Add", prefix + "/Add", [g.Node("Mul", prefix + "/Mul", [z, si]), hi])]);
            }

            reps[t] = h;
        }

        return reps;
    }

    /// <summary>
    /// Task attention: the shared layers once (Gemm, Relu), then per task and layer the mask σ(Gemm(Relu(Gemm(z))))
    /// on z = h_l or [h_l ; Relu(Gemm_F(â_{l−1}))] (Concat), multiplied into h_l.
    /// </summary>
    private static Dictionary<int, string> TaskAttention(GraphBuilder g, TaskAttentionNetwork ta, string x, IReadOnlyList<int> selected)
    {
        var h = new string[ta.Layers];
        for (int l = 0; l < ta.Layers; l++)
        {
            string prefix = "/shared/layer" + l.ToString(CultureInfo.InvariantCulture);
            var (w, b) = ta.Layer(l);
            h[l] = g.Node("Relu", prefix + "/Relu", [Dense(g, w, b, l == 0 ? x : h[l - 1], prefix)]);
        }

        var reps = new Dictionary<int, string>();
        foreach (int t in selected)
        {
            string? attended = null;
            for (int l = 0; l < ta.Layers; l++)
            {
                string prefix = "/task" + t.ToString(CultureInfo.InvariantCulture) + "/att" + l.ToString(CultureInfo.InvariantCulture);
                string z = h[l];
                if (attended is not null)
                {
                    var (fw, fb) = ta.Bridge(l);
                    string bridged = g.Node("Relu", prefix + "/f/Relu", [Dense(g, fw, fb, attended, prefix + "/f")]);
                    z = g.Node("Concat", prefix + "/Concat", [h[l], bridged], GraphBuilder.Attr("axis", 1L));
                }

                var (w1, b1, w2, b2) = ta.Attention(t, l);
                string hidden = g.Node("Relu", prefix + "/Relu", [Dense(g, w1, b1, z, prefix + "/1")]);
                string mask = g.Node("Sigmoid", prefix + "/Sigmoid", [Dense(g, w2, b2, hidden, prefix + "/2")]);
                attended = g.Node("Mul", prefix + "/Mul", [mask, h[l]]);
            }

            reps[t] = attended!;
        }

        return reps;
    }

    /// <summary>
    /// AdaShare with its fixed evaluation policy: the encoder, then per task only the blocks it executes,
    /// Relu(h + Gemm(Relu(Gemm(h)))); tasks with the same policy prefix share those nodes.
    /// </summary>
    private static Dictionary<int, string> AdaShare(GraphBuilder g, AdaShareNetwork ad, string x, IReadOnlyList<int> selected)
    {
        var (ew, eb) = ad.Encoder;
        string h0 = g.Node("Relu", "/encoder/Relu", [Dense(g, ew, eb, x, "/encoder")]);
        var policy = ad.FixedPolicy();
        var reps = new Dictionary<int, string>();
        foreach (int t in selected)
        {
            string h = h0;
            for (int l = 0; l < ad.Blocks; l++)
            {
                if (!policy[t][l])
                {
                    continue;
                }

                string prefix = "/block" + l.ToString(CultureInfo.InvariantCulture);
                var (w1, b1, w2, b2) = ad.Block(l);
                string inner = g.Node("Relu", prefix + "/1/Relu", [Dense(g, w1, b1, h, prefix + "/1")]);
                h = g.Node("Relu", prefix + "/Relu", [g.Node("Add", prefix + "/Add", [h, Dense(g, w2, b2, inner, prefix + "/2")])]);
            }

            reps[t] = h;
        }

        return reps;
    }

    /// <summary>
    /// Sluice layers: per task its column's layer (Gemm, Relu); the α unit as one MatMul per target task of the tasks'
    /// concatenated activations [N, T·w] with the constant [T·w, w] matrix whose block (source task m, subspace s →
    /// output subspace s′) is α[t·S + s′, m·S + s] times the identity; then each task's β mixture of its layers.
    /// </summary>
    private static Dictionary<int, string> Sluice(GraphBuilder g, SluiceNetwork sl, string x, IReadOnlyList<int> selected)
    {
        int tasks = sl.Tasks, sub = sl.Subspaces, ms = tasks * sub;
        var h = Enumerable.Repeat(x, tasks).ToArray();
        var layers = new string[sl.Layers][];
        for (int l = 0; l < sl.Layers; l++)
        {
            string layer = "/layer" + l.ToString(CultureInfo.InvariantCulture);
            var columns = Enumerable.Range(0, tasks)
                .Select(t => RoutedGraph.Component(g, sl.Column(l), t, h[t], layer + "/task" + t.ToString(CultureInfo.InvariantCulture), 0)).ToList();
            string all = tasks == 1 ? columns[0] : g.Node("Concat", layer + "/Concat", columns, GraphBuilder.Attr("axis", 1L));   // [N, T·w]
            int w = sl.Width(l), c = w / sub;
            ReadOnlySpan<float> alpha = sl.Alpha(l).Data;
            var next = new string[tasks];
            for (int t = 0; t < tasks; t++)
            {
                var m = new float[tasks * w * w];
                for (int src = 0; src < tasks; src++)
                {
                    for (int si = 0; si < sub; si++)
                    {
                        for (int so = 0; so < sub; so++)
                        {
                            float a = alpha[(((t * sub) + so) * ms) + (src * sub) + si];
                            for (int i = 0; i < c; i++)
                            {
                                m[(((src * w) + (si * c) + i) * w) + (so * c) + i] = a;
                            }
                        }
                    }
                }

                string mi = g.Floats($"alpha{l}_mix{t}", m, tasks * w, w);
                next[t] = g.Node("MatMul", layer + "/alpha" + t.ToString(CultureInfo.InvariantCulture), [all, mi]);
            }

            layers[l] = next;
            h = next;
        }

        var reps = new Dictionary<int, string>();
        foreach (int t in selected)
        {
            if (sl.Beta is not { } beta)
            {
                reps[t] = h[t];
                continue;
            }

            string prefix = "/beta" + t.ToString(CultureInfo.InvariantCulture);
            string? sum = null;
            for (int l = 0; l < sl.Layers; l++)
            {
                string b = g.Floats($"beta{t}_{l}", [beta.Data[(t * sl.Layers) + l]]);
                string term = g.Node("Mul", prefix + "/Mul", [layers[l][t], b]);
                sum = sum is null ? term : g.Node("Add", prefix + "/Add", [sum, term]);
            }

            reps[t] = sum!;
        }

        return reps;
    }

    /// <summary>The fixed tree of a branched network: per task the nodes of its path (Gemm, Relu), shared nodes once.</summary>
    private static Dictionary<int, string> Branched(GraphBuilder g, BranchedNetwork br, string x, IReadOnlyList<int> selected)
    {
        var paths = br.Paths();
        var done = new Dictionary<(int, int), string>();
        var reps = new Dictionary<int, string>();
        foreach (int t in selected)
        {
            string h = x;
            for (int l = 0; l < br.Nodes.Count; l++)
            {
                int j = paths[t][l];
                if (!done.TryGetValue((l, j), out var node))
                {
                    string prefix = "/node" + l.ToString(CultureInfo.InvariantCulture) + "_" + j.ToString(CultureInfo.InvariantCulture);
                    var (w, b) = br.Node(l, j);
                    node = g.Node("Relu", prefix + "/Relu", [Dense(g, w, b, h, prefix)]);
                    done[(l, j)] = node;
                }

                h = node;
            }

            reps[t] = h;
        }

        return reps;
    }

    /// <summary>Each expert's output [N, out] on <paramref name="x"/>.</summary>
    private static List<string> Experts(GraphBuilder g, MlpComponents experts, string x, string prefix)
    {
        var outs = new List<string>();
        for (int e = 0; e < experts.Count; e++)
        {
            outs.Add(RoutedGraph.Component(g, experts, e, x, prefix + "/e" + e.ToString(CultureInfo.InvariantCulture), 0));
        }

        return outs;
    }

    /// <summary>softmax(x Wᵀ + b) over the experts: [N, E].</summary>
    private static string Gate(GraphBuilder g, SoftmaxGate gate, string x, string prefix)
    {
        string z = Dense(g, gate.Weight, gate.Bias, x, prefix);
        return g.Node("Softmax", prefix + "/Softmax", [z], GraphBuilder.Attr("axis", 1L));
    }

    /// <summary>
    /// DSelect-k at evaluation: S = smooth step of Clip(x W_zᵀ + b_z, ±γ/2) reshaped [N, k, m]; per bit l the factor
    /// S_l·(2b_l − 1) + (1 − b_l) over the experts' codes [N, k, E], multiplied over the bits; weighted by
    /// softmax(x W_αᵀ + b_α) [N, k, 1] and summed over the selectors: [N, E].
    /// </summary>
    private static string DSelect(GraphBuilder g, DSelectGate gate, string x, string prefix)
    {
        var (zw, zb) = gate.SelectorLogits;
        var (aw, ab) = gate.MixingLogits;
        int k = gate.Selectors, m = gate.Bits, e = gate.Experts;
        float h = gate.Gamma / 2f;
        string z = Dense(g, zw, zb, x, prefix + "/z");
        string c = g.Node("Clip", prefix + "/Clip", [z, g.Floats(prefix + "/lo", [-h]), g.Floats(prefix + "/hi", [h])]);
        string cube = g.Node("Mul", prefix + "/cube", [g.Node("Mul", prefix + "/square", [c, c]), c]);
        string s = g.Node("Add", prefix + "/step", [
            g.Node("Add", prefix + "/cubic", [
                g.Node("Mul", prefix + "/a", [cube, g.Floats(prefix + "/ca", [-2f / (gate.Gamma * gate.Gamma * gate.Gamma)])]),
                g.Node("Mul", prefix + "/b", [c, g.Floats(prefix + "/cb", [1.5f / gate.Gamma])])]),
            g.Floats(prefix + "/half", [0.5f])]);
        string bits = g.Node("Reshape", prefix + "/Reshape", [s, g.Int64s(0, k, m)]);   // [N, k, m]
        string? r = null;
        for (int l = 0; l < m; l++)
        {
            string bit = prefix + "/bit" + l.ToString(CultureInfo.InvariantCulture);
            string sl = g.Node("Slice", bit + "/Slice", [bits, g.Int64s(l), g.Int64s(l + 1), g.Int64s(2)]);   // [N, k, 1]
            float[] sign = new float[e], @base = new float[e];
            for (int j = 0; j < e; j++)
            {
                int b = gate.Bit(j, l);
                sign[j] = (2 * b) - 1;
                @base[j] = 1 - b;
            }

            string factor = g.Node("Add", bit + "/Add", [g.Node("Mul", bit + "/Mul", [sl, g.Floats(bit + "/sign", sign, 1, 1, e)]), g.Floats(bit + "/base", @base, 1, 1, e)]);
            r = r is null ? factor : g.Node("Mul", bit + "/Product", [r, factor]);
        }

        string alpha = g.Node("Softmax", prefix + "/alpha/Softmax", [Dense(g, aw, ab, x, prefix + "/alpha")], GraphBuilder.Attr("axis", 1L));
        string weighted = g.Node("Mul", prefix + "/Mul", [r!, g.Node("Unsqueeze", prefix + "/alpha/Unsqueeze", [alpha, g.Int64s(2)])]);
        return g.Node("ReduceSum", prefix + "/ReduceSum", [weighted, g.Int64s(1)], GraphBuilder.Attr("keepdims", 0L));
    }

    /// <summary>x Wᵀ + b for a weight [out, in] and bias [out] (one Gemm; the initializers named after the parameters).</summary>
    internal static string Dense(GraphBuilder g, Parameter w, Parameter b, string input, string prefix)
    {
        string wi = g.Floats(w.Name, w.Value.Span, w.Shape[0], w.Shape[1]);
        string bi = g.Floats(b.Name, b.Value.Span, b.Shape[0]);
        return g.Node("Gemm", prefix + "/Gemm", [input, wi, bi], GraphBuilder.Attr("transB", 1L));
    }

    /// <summary>Σ_e w[:, e] · experts[e]: [N, out].</summary>
    private static string Mix(GraphBuilder g, IReadOnlyList<string> experts, string weights, string prefix)
    {
        string axis1 = g.Int64s(1);
        var parts = experts.Select(e => g.Node("Unsqueeze", prefix + "/Unsqueeze", [e, axis1])).ToList();
        string stacked = parts.Count == 1 ? parts[0] : g.Node("Concat", prefix + "/Concat", parts, GraphBuilder.Attr("axis", 1L));   // [N, E, out]
        string w = g.Node("Unsqueeze", prefix + "/weights", [weights, g.Int64s(2)]);   // [N, E, 1]
        string weighted = g.Node("Mul", prefix + "/Mul", [stacked, w]);
        return g.Node("ReduceSum", prefix + "/ReduceSum", [weighted, axis1], GraphBuilder.Attr("keepdims", 0L));
    }
}
