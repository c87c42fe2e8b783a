using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Training.Callbacks;

/// <summary>Keeps every evaluation's metrics as curves named "task (split)", x in updates or epochs.</summary>
public sealed class MetricCurveCallback(long stepsPerUnit = 1, CurveUnit unit = CurveUnit.Updates) : TrainingCallback
{
    private readonly List<(string Name, List<double> X, List<double> Y)> _curves = [];
    private readonly List<double[]> _evaluations = [];

    /// <inheritdoc/>
    public override string Name => "metric-curves";

    /// <summary>Every evaluation's metrics, in order: [evaluation][task].</summary>
    public IReadOnlyList<double[]> Evaluations => _evaluations;

    /// <inheritdoc/>
    public override void OnEvaluation(TrainingRun run, EvaluationResult evaluation)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(evaluation);
        double x = unit == CurveUnit.Epochs ? Math.Ceiling((double)evaluation.Step / Math.Max(1, stepsPerUnit)) : evaluation.Step;
        for (int t = 0; t < run.Tasks.Count; t++)
        {
            string name = $"{run.Tasks[t].Name} ({evaluation.SplitName})";
            int i = _curves.FindIndex(c => c.Name == name);
            if (i < 0)
            {
                _curves.Add((name, [], []));
                i = _curves.Count - 1;
            }

            _curves[i].X.Add(x);
            _curves[i].Y.Add(evaluation.Metrics[t]);
        }

        _evaluations.Add(evaluation.Metrics);
    }

    /// <summary>The curves.</summary>
    public IReadOnlyList<Curve> Curves() =>
        _curves.Select(c => new Curve(c.Name, unit == CurveUnit.Epochs ? "epoch" : "updates", [.. c.X], [.. c.Y])).ToArray();

    /// <inheritdoc/>
    public override void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetLong("curves", _curves.Count);
        for (int i = 0; i < _curves.Count; i++)
        {
            bag.SetString($"name{i}", _curves[i].Name);
            bag.SetDoubles($"x{i}", _curves[i].X);
            bag.SetDoubles($"y{i}", _curves[i].Y);
        }

        bag.SetLong("evaluations", _evaluations.Count);
        for (int i = 0; i < _evaluations.Count; i++)
        {
            bag.SetDoubles($"e{i}", _evaluations[i]);
        }
    }

    /// <inheritdoc/>
    public override void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _curves.Clear();
        long n = bag.GetLong("curves");
        for (int i = 0; i < n; i++)
        {
            _curves.Add((bag.GetString($"name{i}"), [.. bag.GetDoubles($"x{i}")], [.. bag.GetDoubles($"y{i}")]));
        }

        _evaluations.Clear();
        long e = bag.GetLong("evaluations");
        for (int i = 0; i < e; i++)
        {
            _evaluations.Add(bag.GetDoubles($"e{i}"));
        }
    }
}
