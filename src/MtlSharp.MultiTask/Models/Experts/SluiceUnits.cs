using System.Globalization;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// What the dense (<see cref="SluiceNetwork"/>) and conv (<see cref="ConvSluiceNetwork"/>) sluice networks share
/// after their columns: recording α and β for the report, the towers over each task's (β-mixed) representation, and
/// the report's matrices.
/// </summary>
internal static class SluiceUnits
{
    /// <summary>Records every unit's α rows (statistics 0 … units − 1) and, with β, its task rows (statistics units).</summary>
    public static void Record(GateStatistics gates, IReadOnlyList<Parameter> alpha, Parameter? beta, int tasks, int subspaces)
    {
        for (int u = 0; u < alpha.Count; u++)
        {
            for (int r = 0; r < tasks * subspaces; r++)
            {
                gates.Add(u, r, 0, Ops.Slice(alpha[u].Value, 0, r, 1));
            }
        }

        if (beta is not null)
        {
            for (int t = 0; t < tasks; t++)
            {
                gates.Add(alpha.Count, t, 0, Ops.Slice(beta.Value, 0, t, 1));
            }
        }
    }

    /// <summary>Statistics for <paramref name="units"/> α units of (T·S)² and, with β, one T × <paramref name="mixedLayers"/> matrix.</summary>
    public static GateStatistics Statistics(int units, int tasks, int subspaces, bool beta, int mixedLayers)
    {
        int n = tasks * subspaces;
        var shapes = Enumerable.Range(0, units).Select(_ => (n, n)).ToList();
        if (beta)
        {
            shapes.Add((tasks, mixedLayers));
        }

        return new GateStatistics(shapes);
    }

    /// <summary>
    /// Each requested task's tower over its representation: its last layer's output <paramref name="own"/>(mixedLayers − 1, t),
    /// or with β the mixture of its last <paramref name="mixedLayers"/> outputs own(0 … mixedLayers − 1, t).
    /// </summary>
    public static IReadOnlyList<Tensor> Towers(ReadOnlySpan<int> tasks, int taskCount, Func<int, int, Tensor> own, int mixedLayers, Parameter? beta, TaskHeads towers)
    {
        var outputs = new Tensor[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            int t = tasks[i];
            ArgumentOutOfRangeException.ThrowIfNegative(t);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(t, taskCount);
            var rep = beta is null ? own(mixedLayers - 1, t) : LayerMixing.Mix(Enumerable.Range(0, mixedLayers).Select(l => own(l, t)).ToArray(), beta.Value, t);
            outputs[i] = towers.Forward(rep, t);
        }

        return outputs;
    }

    /// <summary>
    /// The report's matrices: per unit α over (task, <paramref name="groupWord"/>) rows named by <paramref name="unitName"/>,
    /// then β (task × the layers <paramref name="layerNames"/>) when present.
    /// </summary>
    public static IReadOnlyList<NamedMatrix> Matrices(
        GateStatistics statistics, IReadOnlyList<string> taskNames, int units, int subspaces, bool beta, string groupWord, string groupSuffix,
        Func<int, string> unitName, IReadOnlyList<string> layerNames)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(taskNames);
        string[] labels = taskNames.SelectMany(t => Enumerable.Range(0, subspaces).Select(s => subspaces == 1 ? t : t + "/" + groupSuffix + s.ToString(CultureInfo.InvariantCulture))).ToArray();
        var list = Enumerable.Range(0, units)
            .Select(u => new NamedMatrix($"sluice α after {unitName(u)} ((task, {groupWord}) × the (task, {groupWord}) it takes from)", labels, labels, statistics.Mean(u)))
            .ToList();
        if (beta)
        {
            list.Add(new NamedMatrix("sluice β (task × layer it reads)", [.. taskNames], [.. layerNames], statistics.Mean(units)));
        }

        return list;
    }
}
