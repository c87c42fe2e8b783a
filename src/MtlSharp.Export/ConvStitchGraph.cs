using System.Globalization;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;

namespace MtlSharp.Export;

/// <summary>
/// The conv cross-stitch and sluice networks (<see cref="ConvCrossStitchNetwork"/>, <see cref="ConvSluiceNetwork"/>)
/// at evaluation as ONNX nodes: per task its column's stages (convolutions and MLP layers as the routed components
/// export them, max pooling as the routed pooling stages), the learned units as constant mixtures of the tasks'
/// channel groups (Slice, Mul, Sum, Concat; cross-stitch is the one-group case; channel-wise cross-stitch multiplies
/// by a constant per channel, [1, C, 1, 1] or [1, C]), the sluice β mixture, flattened for the towers. The columns of tasks not exported are kept, since the exported ones read them.
/// </summary>
internal static class ConvStitchGraph
{
    /// <summary>Each selected task's tower input [N, features] for <paramref name="network"/> on the image input <paramref name="x"/>.</summary>
    public static Dictionary<int, string> Representations(GraphBuilder g, ExpertNetwork network, string x, IReadOnlyList<int> selected)
    {
        var (columns, alpha, subspaces, beta, mixed) = network switch
        {
            ConvCrossStitchNetwork cs => (cs.Columns, Enumerable.Range(0, cs.Units).Select(cs.Alpha).ToArray(), 1, (Parameter?)null, 0),
            ConvSluiceNetwork sl => (sl.Columns, Enumerable.Range(0, sl.Units).Select(sl.Alpha).ToArray(), sl.Subspaces, sl.Beta, sl.MixedUnits),
            _ => throw new NotSupportedException($"{network.GetType().Name} has no conv columns."),
        };
        int tasks = columns.Tasks;
        var points = columns.UnitPoints().ToList();
        var stages = columns.StageList;
        var h = Enumerable.Repeat(x, tasks).ToArray();
        int[] shape = [.. columns.InputShape];
        var units = new List<string[]>();
        for (int i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            string prefix = "/stage" + i.ToString(CultureInfo.InvariantCulture);
            int[] next = [.. columns.ShapeAfter(i)];
            switch (stage.Kind)
            {
                case ColumnStageKind.Conv:
                    h = Enumerable.Range(0, tasks).Select(t => RoutedGraph.Component(g, stage.Conv!, t, h[t], prefix + Task(t), i)).ToArray();
                    break;
                case ColumnStageKind.MaxPool:
                {
                    var pool = FunctionStage.MaxPool(stage.Kernel, stage.Stride);
                    int[] input = shape;
                    h = h.Distinct().Count() == 1
                        ? Enumerable.Repeat(ModuleGraph.Translate(g, pool, h[0], input, prefix, i).Output, tasks).ToArray()   // the shared input, pooled once
                        : Enumerable.Range(0, tasks).Select(t => ModuleGraph.Translate(g, pool, h[t], input, prefix + Task(t), i).Output).ToArray();
                    break;
                }

                default:
                {
                    if (shape.Length != 1)
                    {
                        h = h.Select((v, t) => g.Node("Flatten", prefix + Task(t) + "/Flatten", [v], GraphBuilder.Attr("axis", 1L))).ToArray();
                    }

                    h = Enumerable.Range(0, tasks).Select(t => RoutedGraph.Component(g, stage.Mlp!, t, h[t], prefix + Task(t), i)).ToArray();
                    break;
                }
            }

            shape = next;
            int u = points.IndexOf(i);
            if (u >= 0)
            {
                string unit = "/unit" + u.ToString(CultureInfo.InvariantCulture);
                h = alpha[u].Value.Rank == 3
                    ? ChannelUnit(g, h, alpha[u], shape, unit)
                    : Unit(g, h, alpha[u], subspaces, shape[0], unit);
                units.Add(h);
            }
        }

        var reps = new Dictionary<int, string>();
        foreach (int t in selected)
        {
            string rep = h[t];
            if (beta is not null)
            {
                string prefix = "/beta" + Task(t);
                string? sum = null;
                for (int k = 0; k < mixed; k++)
                {
                    string b = g.Floats($"beta{t}_{k}", [beta.Data[(t * mixed) + k]]);
                    string term = g.Node("Mul", prefix + "/Mul", [units[units.Count - mixed + k][t], b]);
                    sum = sum is null ? term : g.Node("Add", prefix + "/Add", [sum, term]);
                }

                rep = sum!;
            }

            reps[t] = shape.Length == 1 ? rep : g.Node("Flatten", "/tower" + Task(t) + "/Flatten", [rep], GraphBuilder.Attr("axis", 1L));
        }

        return reps;
    }

    /// <summary>
    /// One α unit: task t's channel group s′ becomes Σ_{m,s} α[t·S + s′, m·S + s] · (task m's group s), groups being
    /// S contiguous slices of axis 1 (channels of [N, C, H, W], units of [N, w]) — <see cref="MultiTask.Models.Sluice.SubspaceMixing.MixAll"/>.
    /// </summary>
    private static string[] Unit(GraphBuilder g, string[] h, Parameter alpha, int subspaces, int channels, string prefix)
    {
        int tasks = h.Length, ms = tasks * subspaces, c = channels / subspaces;
        ReadOnlySpan<float> a = alpha.Data;
        string axis1 = g.Int64s(1);
        var groups = new string[tasks, subspaces];
        for (int m = 0; m < tasks; m++)
        {
            for (int s = 0; s < subspaces; s++)
            {
                groups[m, s] = subspaces == 1 ? h[m]
                    : g.Node("Slice", prefix + Task(m) + "/Slice", [h[m], g.Int64s(s * c), g.Int64s((s + 1) * c), axis1]);
            }
        }

        var result = new string[tasks];
        for (int t = 0; t < tasks; t++)
        {
            var parts = new string[subspaces];
            for (int so = 0; so < subspaces; so++)
            {
                string target = prefix + Task(t) + "/g" + so.ToString(CultureInfo.InvariantCulture);
                var terms = new List<string>();
                for (int m = 0; m < tasks; m++)
                {
                    for (int si = 0; si < subspaces; si++)
                    {
                        float w = a[(((t * subspaces) + so) * ms) + (m * subspaces) + si];
                        terms.Add(g.Node("Mul", target + "/Mul", [groups[m, si], g.FloatScalar(w)]));
                    }
                }

                parts[so] = terms.Count == 1 ? terms[0] : g.Node("Sum", target + "/Sum", terms);
            }

            result[t] = subspaces == 1 ? parts[0] : g.Node("Concat", prefix + Task(t) + "/Concat", parts, GraphBuilder.Attr("axis", 1L));
        }

        return result;
    }

    /// <summary>
    /// A channel-wise cross-stitch unit, α [C, T, T]: task t's output is Σ_s (task s's maps) · α[:, t, s], each weight
    /// vector a constant [1, C, 1, 1] (feature maps [N, C, H, W]) or [1, C] (an mlp's [N, w]) broadcast over the rest —
    /// <see cref="MultiTask.Models.Sluice.SubspaceMixing.MixChannels"/>.
    /// </summary>
    private static string[] ChannelUnit(GraphBuilder g, string[] h, Parameter alpha, int[] shape, string prefix)
    {
        int tasks = h.Length, channels = shape[0];
        ReadOnlySpan<float> a = alpha.Data;
        long[] dims = shape.Length == 3 ? [1, channels, 1, 1] : [1, channels];
        var result = new string[tasks];
        var w = new float[channels];
        for (int t = 0; t < tasks; t++)
        {
            string target = prefix + Task(t);
            var terms = new List<string>();
            for (int s = 0; s < tasks; s++)
            {
                for (int c = 0; c < channels; c++)
                {
                    w[c] = a[(((c * tasks) + t) * tasks) + s];
                }

                string name = $"{prefix.TrimStart('/')}_alpha_t{t.ToString(CultureInfo.InvariantCulture)}_s{s.ToString(CultureInfo.InvariantCulture)}";
                terms.Add(g.Node("Mul", target + "/Mul", [h[s], g.Floats(name, w, dims)]));
            }

            result[t] = terms.Count == 1 ? terms[0] : g.Node("Sum", target + "/Sum", terms);
        }

        return result;
    }

    private static string Task(int t) => "/task" + t.ToString(CultureInfo.InvariantCulture);
}
