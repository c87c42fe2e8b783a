using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Analysis.Grouping;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Training.Callbacks;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>
/// Which tasks to train together (<c>mtl group</c>): scores candidate groups of a configuration's tasks with one
/// method, chooses at most a budget of networks with <see cref="GroupSearch"/>, and (optionally) trains the chosen
/// networks and the all-in-one and all-separate references on the same data to measure the choice.
/// </summary>
public static class GroupingRunner
{
    /// <summary>Runs the study of <paramref name="config"/>'s tasks.</summary>
    public static GroupingStudy Run(RunConfig config, GroupingOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        int n = config.Tasks.Count;
        if (n < 2)
        {
            throw new ArgumentException("Grouping needs at least two tasks.");
        }

        if (n > GroupScores.MaxTasks)
        {
            throw new ArgumentException($"Grouping handles up to {GroupScores.MaxTasks} tasks; the configuration has {n}.");
        }

        if (options.Budget < 1 || options.MaxOrder < 1 || options.AffinityEvery < 1)
        {
            throw new ArgumentException("The budget, the Standley order and the affinity interval must be at least 1.");
        }

        if (!(options.TransferFraction > 0 && options.TransferFraction <= 1))
        {
            throw new ArgumentException($"The transfer share of training examples must be in (0, 1], got {options.TransferFraction.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        }

        var runs = new List<GroupTraining>();
        var infos = new Data.Tasks.TaskInfo?[n];
        var cache = new Dictionary<int, GroupTraining>();
        // fraction < 1 trains on that share of the examples; prepare sees the model before training (transfer loads and
        // freezes a source network there), trained after.
        GroupTraining Train(int mask, string purpose, RunConfig? variant = null, RelationshipOptions? relationships = null, Action<Reporting.RunReport>? read = null,
            double fraction = 1, Action<Models.IMultiTaskModel>? prepare = null, string? name = null, Action<Models.IMultiTaskModel>? trained = null)
        {
            bool plain = variant is null && relationships is null && fraction == 1 && prepare is null;
            if (plain && trained is null && cache.TryGetValue(mask, out var had))
            {
                return had;
            }

            int[] subset = GroupScores.Members(mask);
            string label = name ?? string.Join("+", subset.Select(t => config.Tasks[t].Name));
            options.Log?.Invoke($"{purpose}: training {label}");
            var plan = ConfigRunBuilder.Build(variant ?? config, options.Seed, options.Scale, subset, fraction);
            prepare?.Invoke(plan.Model);

            string? dir = options.OutputDirectory is { } o ? Path.Combine(o, $"{purpose}-{Sanitize(label)}") : null;
            var report = ExperimentRunner.Run(plan, new RunOptions { OutputDirectory = dir, TensorBoard = false, CheckpointEverySeconds = 0, Relationships = relationships });
            read?.Invoke(report);
            trained?.Invoke(plan.Model);
            var info = plan.Data.Tasks;
            // The run's own tasks lead its report (taggers add the main task per test genre after them, "DEPREL@email").
            var own = report.Tasks.Take(info.Count).ToArray();
            if (own.Length != info.Count || own.Where((t, k) => t.Name != info[k].Name).Any())
            {
                throw new InvalidOperationException($"The report of {label} does not list its tasks first.");
            }

            for (int k = 0; k < subset.Length; k++)
            {
                infos[subset[k]] = info[k];
            }

            var run = new GroupTraining(
                subset,
                own.Select((t, k) => info[k].Score(t.Valid ?? t.Test)).ToArray(),
                own.Select(t => t.Test).ToArray(),
                report.TrainSeconds,
                purpose);
            runs.Add(run);
            if (plain)
            {
                cache[mask] = run;
            }

            return run;
        }

        GroupScores scores;
        double[][]? relation = null;
        TransferMatrix? transfer = null;
        string methodName = options.Method.ToString().ToLowerInvariant();
        switch (options.Method)
        {
            case GroupingMethod.Standley:
                scores = new GroupScores(n);
                foreach (int mask in GroupScores.Masks(n, Math.Min(options.MaxOrder, n)))
                {
                    var run = Train(mask, methodName);
                    var s = new double[n];
                    for (int k = 0; k < run.Tasks.Length; k++)
                    {
                        s[run.Tasks[k]] = run.Selection[k];
                    }

                    scores.Set(mask, s);
                }

                if (n <= GroupSearch.MaxExactTasks)
                {
                    scores.EstimateHigherOrderFromPairs();
                }

                relation = PairGains(scores, n);
                break;
            case GroupingMethod.Tag:
                var tagConfig = config with { Strategy = config.Strategy with { Sampler = SamplerKind.All } };
                Train((1 << n) - 1, methodName, tagConfig, new RelationshipOptions { AffinityEvery = options.AffinityEvery }, r => relation = r.TaskAffinity);
                if (relation is null)
                {
                    throw new InvalidOperationException("The TAG run measured no affinity (it needs updates with several tasks).");
                }

                scores = GroupScores.FromRelation(relation, n > GroupSearch.MaxExactTasks ? 2 : null);
                break;
            case GroupingMethod.Transfer:
                if (config.Model is not (RoutedModelSpec or ExpertModelSpec or TaggerModelSpec))
                {
                    throw new ArgumentException("Transfer trains heads on a share of the examples over frozen networks of routed, expert and tagger models; use standley or tag for sentence and multi-input models.");
                }

                // A model without task-specific parameters has nothing to train over a frozen source: say so before training.
                FrozenSource.RequireTaskParameters(ConfigRunBuilder.Build(config, options.Seed, options.Scale, [0]).Model);
                transfer = TransferStudy(n, options.TransferFraction, config, Train);
                relation = transfer.Gain;
                scores = GroupScores.FromRelation(relation, n > GroupSearch.MaxExactTasks ? 2 : null);
                break;
            default:
                if (config.Model is not RoutedModelSpec routed)
                {
                    throw new ArgumentException("Gumbel-Matrix grouping needs a routed model (model.type \"routed\"): its task embeddings are its learned allocations.");
                }

                var gumbelConfig = config with { Model = routed with { Router = RouterKind.Gumbel, Allocation = null } };
                // The paper's binary embeddings are all equal once every task keeps every connection (as 4-MNISTs runs
                // do), and by the end of a long run every probability may sit at 1; the probabilities' trajectory
                // (every snapshot of every layer) still carries which tasks the router drove alike on the way.
                Train((1 << n) - 1, methodName, gumbelConfig, null, r => relation =
                    r.AllocationHistory is { Count: > 0 } h ? TaskEmbeddings.CentredSimilarity([.. h.SelectMany(layer => layer.Probabilities)])
                    : r.AllocationProbabilities is { Count: > 0 } p ? TaskEmbeddings.CentredSimilarity(p) : r.TaskSimilarity);
                if (relation is null)
                {
                    throw new InvalidOperationException("The Gumbel-Matrix run reported no task similarity.");
                }

                scores = GroupScores.FromRelation(relation, n > GroupSearch.MaxExactTasks ? 2 : null);
                break;
        }

        double methodSeconds = runs.Sum(r => r.TrainSeconds);
        var grouping = GroupSearch.Choose(scores, options.Budget);
        double[]? predicted = null;
        if (options.Method == GroupingMethod.Standley)
        {
            predicted = new double[n];
            foreach (var nw in grouping.Networks)
            {
                for (int k = 0; k < nw.Serves.Length; k++)
                {
                    predicted[nw.Serves[k]] = nw.Scores[k];
                }
            }
        }

        double[]? measured = null, allInOne = null, separate = null;
        if (options.Train)
        {
            measured = new double[n];
            foreach (var nw in grouping.Networks)
            {
                var run = Train(Mask(nw.Trained), "chosen");
                foreach (int t in nw.Serves)
                {
                    measured[t] = run.Test[Array.IndexOf(run.Tasks, t)];
                }
            }

            var all = Train((1 << n) - 1, "all-in-one");
            allInOne = [.. all.Test];
            separate = new double[n];
            for (int t = 0; t < n; t++)
            {
                separate[t] = Train(1 << t, "separate").Test[0];
            }
        }
        else if (options.Method is GroupingMethod.Standley or GroupingMethod.Transfer)
        {
            separate = Enumerable.Range(0, n).Select(t => cache[1 << t].Test[0]).ToArray();
        }

        var known = infos.Select(i => i ?? throw new InvalidOperationException("A task was never trained.")).ToArray();
        return new GroupingStudy
        {
            Method = options.Method,
            Tasks = [.. config.Tasks.Select(t => t.Name)],
            Metrics = [.. known.Select(i => i.Metric)],
            HigherIsBetter = [.. known.Select(i => i.HigherIsBetter)],
            Budget = options.Budget,
            Grouping = grouping,
            Relation = relation,
            Predicted = predicted?.Select((s, t) => known[t].HigherIsBetter ? s : -s).ToArray(),
            Measured = measured,
            AllInOne = allInOne,
            AllSeparate = separate,
            MethodSeconds = methodSeconds,
            Transfer = transfer,
            Runs = runs,
        };
    }

    /// <summary>The signature of <see cref="Run"/>'s training function, as the transfer study calls it.</summary>
    private delegate GroupTraining TrainFunction(int mask, string purpose, RunConfig? variant, RelationshipOptions? relationships, Action<Reporting.RunReport>? read,
        double fraction, Action<Models.IMultiTaskModel>? prepare, string? name, Action<Models.IMultiTaskModel>? trained);

    /// <summary>
    /// Taskonomy-style transfer: a network per task on all of its data (kept as the sources), every task from scratch
    /// on the share, then for every source j and target i the target's task-specific parameters on the share over j's
    /// frozen network. Gains compare selection metrics with the scratch runs.
    /// </summary>
    private static TransferMatrix TransferStudy(int n, double fraction, RunConfig config, TrainFunction train)
    {
        var sources = new Dictionary<string, float[]>[n];
        var source = new double[n];
        for (int j = 0; j < n; j++)
        {
            int k = j;
            source[j] = train(1 << j, "transfer-source", null, null, null, 1, null, null, m => sources[k] = FrozenSource.Snapshot(m)).Test[0];
        }

        var scratch = new GroupTraining[n];
        for (int i = 0; i < n; i++)
        {
            scratch[i] = train(1 << i, "transfer-scratch", null, null, null, fraction, null, config.Tasks[i].Name, null);
        }

        var test = new double[n][];
        var gain = new double[n][];
        for (int j = 0; j < n; j++)
        {
            test[j] = new double[n];
            gain[j] = new double[n];
            for (int i = 0; i < n; i++)
            {
                string label = $"{config.Tasks[j].Name}-to-{config.Tasks[i].Name}";
                var from = sources[j];
                var run = train(1 << i, "transfer", null, null, null, fraction, m => FrozenSource.Load(m, from, $"Transfer {label}"), label, null);
                test[j][i] = run.Test[0];
                double baseline = scratch[i].Selection[0];
                gain[j][i] = 100 * (run.Selection[0] - baseline) / Math.Max(Math.Abs(baseline), 1e-12);
            }
        }

        var ranking = new int[n][];
        for (int i = 0; i < n; i++)
        {
            int target = i;
            ranking[i] = [.. Enumerable.Range(0, n).Where(j => j != target).OrderByDescending(j => gain[j][target]).ThenBy(j => j)];
        }

        return new TransferMatrix
        {
            Fraction = fraction,
            Test = test,
            Scratch = [.. scratch.Select(r => r.Test[0])],
            Source = source,
            Gain = gain,
            Ranking = ranking,
        };
    }

    private static int Mask(IEnumerable<int> tasks) => tasks.Aggregate(0, (m, t) => m | (1 << t));

    /// <summary>Standley's pair gains: [i][j] = j's score trained with i minus j's score alone (0 on the diagonal).</summary>
    private static double[][] PairGains(GroupScores scores, int n)
    {
        var g = new double[n][];
        for (int i = 0; i < n; i++)
        {
            g[i] = new double[n];
            for (int j = 0; j < n; j++)
            {
                int pair = (1 << i) | (1 << j);
                g[i][j] = i != j && scores.Contains(pair) && scores.Contains(1 << j) ? scores.Score(pair, j) - scores.Score(1 << j, j) : 0;
            }
        }

        return g;
    }

    private static string Sanitize(string label) =>
        new(label.Select(c => char.IsLetterOrDigit(c) || c is '+' or '-' or '_' ? c : '_').ToArray());
}
