using System.Globalization;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Training.Callbacks;

/// <summary>
/// Measures how the tasks relate while they train together. Every <see cref="RelationshipOptions.GradientEvery"/>
/// updates: each task's gradient of the shared parameters, and per shared layer (the parameters of one module: names
/// up to their last dot) and over all of them, the mean pairwise cosine, the fraction of conflicting pairs (cosine
/// &lt; 0) and the mean magnitude similarity (Yu et al. 2020) — curves in the report, the metrics log and TensorBoard —
/// plus the task × task cosine averaged over each phase of training. Every
/// <see cref="RelationshipOptions.AffinityEvery"/> updates: TAG's lookahead affinity Z_{i→j}
/// (<see cref="LookaheadAffinity"/>), averaged over the run and over each phase. Needs updates that hold several
/// tasks (a sampler such as <c>all</c>); updates with fewer than two tasks are skipped.
/// </summary>
public sealed class TaskRelationshipCallback : TrainingCallback, IStepProbe
{
    private readonly RelationshipOptions _options;
    private readonly string[] _names;
    private readonly int _tasks;
    private (string Name, int[] Parameters)[]? _layers;
    private string[] _layerNames = [];
    private readonly List<double> _x = [];
    private readonly List<double[]> _y = [];   // per point: [layer * 3 + stat]
    private readonly double[][] _cosSum;
    private readonly double[][] _cosCount;
    private readonly double[][] _zSum;
    private readonly double[][] _zCount;
    private long _total = 1;

    /// <summary>Creates the recorder for tasks named <paramref name="taskNames"/>.</summary>
    public TaskRelationshipCallback(IReadOnlyList<string> taskNames, RelationshipOptions options)
    {
        ArgumentNullException.ThrowIfNull(taskNames);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.GradientEvery < 0 || options.AffinityEvery < 0 || options.Phases < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "The measurement intervals must not be negative and there must be at least one phase.");
        }

        _names = [.. taskNames];
        _tasks = _names.Length;
        int cells = _tasks * _tasks;
        _cosSum = Zeros(options.Phases, cells);
        _cosCount = Zeros(options.Phases, cells);
        _zSum = Zeros(options.Phases, cells);
        _zCount = Zeros(options.Phases, cells);
    }

    /// <inheritdoc/>
    public override string Name => "task-relationships";

    /// <summary>Raised with the values of every gradient measurement (names such as <c>all/cosine</c>, <c>LAYER/conflict</c>).</summary>
    public event Action<long, IReadOnlyList<(string Name, double Value)>>? Measured;

    /// <inheritdoc/>
    public override void OnStart(TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        _total = Math.Max(1, run.TotalSteps);
    }

    /// <inheritdoc/>
    public bool Probes(long step) =>
        (_options.GradientEvery > 0 && step % _options.GradientEvery == 0) || (_options.AffinityEvery > 0 && step % _options.AffinityEvery == 0);

    /// <inheritdoc/>
    public void Probe(StepProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        int n = probe.Tasks.Count;
        if (n < 2 || probe.SharedLength == 0)
        {
            return;
        }

        int phase = (int)Math.Min(_options.Phases - 1, probe.Step * _options.Phases / _total);
        var rows = probe.TaskGradients();
        if (_options.GradientEvery > 0 && probe.Step % _options.GradientEvery == 0)
        {
            RecordGradients(probe, rows, phase);
        }

        if (_options.AffinityEvery > 0 && probe.Step % _options.AffinityEvery == 0)
        {
            float lr = _options.AffinityLearningRate ?? probe.LearningRate;
            var z = LookaheadAffinity.Compute(rows, lr, probe.LookaheadLosses);
            Accumulate(z, probe.Tasks, _zSum[phase], _zCount[phase]);
        }
    }

    private void RecordGradients(StepProbe probe, float[][] rows, int phase)
    {
        _layers ??= Layers(probe);
        int n = rows.Length;
        var all = Square(n);
        var point = new double[(_layers.Length + 1) * 3];
        var offsets = new int[probe.SharedParameters.Count + 1];
        for (int k = 0; k < probe.SharedParameters.Count; k++)
        {
            offsets[k + 1] = offsets[k] + probe.SharedParameters[k].Length;
        }

        var values = new List<(string, double)>();
        for (int l = 0; l < _layers.Length; l++)
        {
            var gram = Square(n);
            foreach (int k in _layers[l].Parameters)
            {
                GradientStatistics.AddGram(rows, offsets[k], offsets[k + 1] - offsets[k], gram);
            }

            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    all[i][j] += gram[i][j];
                }
            }

            Put(l + 1, GradientStatistics.Summarise(gram), point, values, _layers[l].Name);
        }

        var whole = GradientStatistics.Summarise(all);
        Put(0, whole, point, values, "all");
        Accumulate(whole.Cosines, probe.Tasks, _cosSum[phase], _cosCount[phase]);
        _x.Add(probe.Step + 1);
        _y.Add(point);
        Measured?.Invoke(probe.Step + 1, values);
    }

    private static void Put(int slot, (double Cos, double Conflict, double Magnitude, double[][] _) s, double[] point, List<(string, double)> values, string name)
    {
        point[(slot * 3) + 0] = s.Cos;
        point[(slot * 3) + 1] = s.Conflict;
        point[(slot * 3) + 2] = s.Magnitude;
        values.Add((name + "/cosine", s.Cos));
        values.Add((name + "/conflict", s.Conflict));
        values.Add((name + "/magnitude", s.Magnitude));
    }

    /// <summary>The shared layers: parameters grouped by their name up to the last dot, in order of first appearance.</summary>
    private (string Name, int[] Parameters)[] Layers(StepProbe probe)
    {
        var order = new List<string>();
        var members = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int k = 0; k < probe.SharedParameters.Count; k++)
        {
            string name = probe.SharedParameters[k].Name;
            int dot = name.LastIndexOf('.');
            string layer = dot > 0 ? name[..dot] : name;
            if (!members.TryGetValue(layer, out var list))
            {
                members[layer] = list = [];
                order.Add(layer);
            }

            list.Add(k);
        }

        _layerNames = ["all", .. order];
        return order.Select(o => (o, members[o].ToArray())).ToArray();
    }

    private void Accumulate(double[][] m, IReadOnlyList<int> tasks, double[] sum, double[] count)
    {
        for (int i = 0; i < tasks.Count; i++)
        {
            for (int j = 0; j < tasks.Count; j++)
            {
                if (double.IsFinite(m[i][j]))
                {
                    sum[(tasks[i] * _tasks) + tasks[j]] += m[i][j];
                    count[(tasks[i] * _tasks) + tasks[j]]++;
                }
            }
        }
    }

    /// <summary>Gradient statistics over training: per statistic (cosine, conflict, magnitude) one curve per shared layer and one over all ("all").</summary>
    public IReadOnlyList<Curve> Curves()
    {
        var curves = new List<Curve>();
        string[] stats = ["cosine", "conflict", "magnitude"];
        for (int s = 0; s < 3; s++)
        {
            for (int l = 0; l < _layerNames.Length; l++)
            {
                curves.Add(new Curve($"{stats[s]} · {_layerNames[l]}", "updates", [.. _x], _y.Select(p => p[(l * 3) + s]).ToArray()));
            }
        }

        return curves;
    }

    /// <summary>TAG's affinity Z[i][j] (i's step onto j's loss) averaged over the run; null when never measured; NaN for pairs never seen together.</summary>
    public double[][]? Affinity() => Mean(_zSum, _zCount, 0, _options.Phases);

    /// <summary>The mean task × task cosine of the shared gradients over the run; null when never measured.</summary>
    public double[][]? GradientCosine() => Mean(_cosSum, _cosCount, 0, _options.Phases);

    /// <summary>The report's matrices: the gradient cosine and the affinity over each phase of training, then the affinity over the run.</summary>
    public IReadOnlyList<NamedMatrix> Matrices()
    {
        var list = new List<NamedMatrix>();
        for (int p = 0; p < _options.Phases; p++)
        {
            if (Mean(_cosSum, _cosCount, p, p + 1) is { } c)
            {
                list.Add(new NamedMatrix($"Gradient cosine of the shared parameters, {PhaseName(p)}", _names, _names, c));
            }
        }

        if (_options.Phases > 1)
        {
            for (int p = 0; p < _options.Phases; p++)
            {
                if (Mean(_zSum, _zCount, p, p + 1) is { } z)
                {
                    list.Add(new NamedMatrix($"Lookahead affinity Z(row → column), {PhaseName(p)}", _names, _names, z));
                }
            }
        }

        if (Affinity() is { } all)
        {
            list.Add(new NamedMatrix("Lookahead affinity Z(row → column) over the run (TAG)", _names, _names, all));
        }

        return list;
    }

    private string PhaseName(int p)
    {
        var ci = CultureInfo.InvariantCulture;
        long from = (p * _total) / _options.Phases, to = ((p + 1) * _total) / _options.Phases;
        return $"updates {from.ToString(ci)}–{to.ToString(ci)}";
    }

    private double[][]? Mean(double[][] sum, double[][] count, int from, int to)
    {
        bool any = false;
        var m = Square(_tasks);
        for (int i = 0; i < _tasks; i++)
        {
            for (int j = 0; j < _tasks; j++)
            {
                double s = 0, c = 0;
                for (int p = from; p < to; p++)
                {
                    s += sum[p][(i * _tasks) + j];
                    c += count[p][(i * _tasks) + j];
                }

                any |= c > 0;
                m[i][j] = c > 0 ? s / c : double.NaN;
            }
        }

        return any ? m : null;
    }

    private static double[][] Square(int n) => Zeros(n, n);

    private static double[][] Zeros(int rows, int columns)
    {
        var m = new double[rows][];
        for (int i = 0; i < rows; i++)
        {
            m[i] = new double[columns];
        }

        return m;
    }

    /// <inheritdoc/>
    public override void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetString("layers", string.Join("\n", _layerNames));
        bag.SetDoubles("x", _x);
        bag.SetDoubles("y", _y.SelectMany(p => p).ToArray());
        for (int p = 0; p < _options.Phases; p++)
        {
            bag.SetDoubles($"cosSum{p}", _cosSum[p]);
            bag.SetDoubles($"cosCount{p}", _cosCount[p]);
            bag.SetDoubles($"zSum{p}", _zSum[p]);
            bag.SetDoubles($"zCount{p}", _zCount[p]);
        }
    }

    /// <inheritdoc/>
    public override void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        string layers = bag.GetString("layers");
        _layerNames = layers.Length == 0 ? [] : layers.Split('\n');
        _layers = null;
        _x.Clear();
        _x.AddRange(bag.GetDoubles("x"));
        double[] y = bag.GetDoubles("y");
        _y.Clear();
        if (_x.Count > 0)
        {
            int width = y.Length / _x.Count;
            for (int k = 0; k < _x.Count; k++)
            {
                _y.Add(y[(k * width)..((k + 1) * width)]);
            }
        }

        for (int p = 0; p < _options.Phases; p++)
        {
            bag.GetDoubles($"cosSum{p}").CopyTo(_cosSum[p], 0);
            bag.GetDoubles($"cosCount{p}").CopyTo(_cosCount[p], 0);
            bag.GetDoubles($"zSum{p}").CopyTo(_zSum[p], 0);
            bag.GetDoubles($"zCount{p}").CopyTo(_zCount[p], 0);
        }
    }
}
