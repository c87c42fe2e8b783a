namespace MtlSharp.MultiTask.Analysis.Grouping;

/// <summary>
/// How well each task does in each candidate group (a network trained on that group): score(G, t) for t ∈ G, higher
/// is better. Groups are bit masks over at most <see cref="MaxTasks"/> tasks. Built from measurements (Standley et
/// al. 2020, with their pairwise-average estimate for groups not trained), from TAG affinities, or from task
/// similarities.
/// </summary>
public sealed class GroupScores
{
    /// <summary>The most tasks a score table can hold.</summary>
    public const int MaxTasks = 30;

    private readonly Dictionary<int, double[]> _scores = [];

    /// <summary>An empty table over <paramref name="tasks"/> tasks.</summary>
    public GroupScores(int tasks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tasks, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tasks, MaxTasks);
        Tasks = tasks;
    }

    /// <summary>Number of tasks.</summary>
    public int Tasks { get; }

    /// <summary>The candidate groups (bit masks).</summary>
    public IReadOnlyCollection<int> Groups => _scores.Keys;

    /// <summary>Sets the scores of group <paramref name="mask"/>: <paramref name="scores"/>[t] for every task t in it (other entries ignored).</summary>
    public void Set(int mask, double[] scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (mask == 0 || (mask >> Tasks) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(mask), mask, $"A group must be a non-empty set of the {Tasks} tasks.");
        }

        if (scores.Length != Tasks)
        {
            throw new ArgumentException($"{scores.Length} scores for {Tasks} tasks.", nameof(scores));
        }

        for (int t = 0; t < Tasks; t++)
        {
            if ((mask >> t & 1) != 0 && double.IsNaN(scores[t]))
            {
                throw new ArgumentException($"Task {t}'s score in group {Describe(mask)} is NaN.", nameof(scores));
            }
        }

        _scores[mask] = (double[])scores.Clone();
    }

    /// <summary>Whether group <paramref name="mask"/> has scores.</summary>
    public bool Contains(int mask) => _scores.ContainsKey(mask);

    /// <summary>The score of task <paramref name="task"/> in group <paramref name="mask"/>.</summary>
    public double Score(int mask, int task) => _scores.TryGetValue(mask, out var s) && (mask >> task & 1) != 0
        ? s[task]
        : throw new KeyNotFoundException($"No score for task {task} in group {Describe(mask)}.");

    /// <summary>
    /// Standley et al.'s estimate for every group of three or more tasks that has no score: task t's score in G is the
    /// mean over the other members u of t's score in the pair {t, u} (every pair must be present). Only for
    /// <see cref="Tasks"/> ≤ <see cref="GroupSearch.MaxExactTasks"/> (all 2^n groups).
    /// </summary>
    public void EstimateHigherOrderFromPairs()
    {
        if (Tasks > GroupSearch.MaxExactTasks)
        {
            throw new InvalidOperationException($"Estimating every group of {Tasks} tasks would enumerate 2^{Tasks} groups; the estimate is for up to {GroupSearch.MaxExactTasks} tasks.");
        }

        for (int mask = 1; mask < 1 << Tasks; mask++)
        {
            if (System.Numerics.BitOperations.PopCount((uint)mask) < 3 || _scores.ContainsKey(mask))
            {
                continue;
            }

            var s = new double[Tasks];
            for (int t = 0; t < Tasks; t++)
            {
                if ((mask >> t & 1) == 0)
                {
                    continue;
                }

                double sum = 0;
                int n = 0;
                for (int u = 0; u < Tasks; u++)
                {
                    if (u != t && (mask >> u & 1) != 0)
                    {
                        sum += Score((1 << t) | (1 << u), t);
                        n++;
                    }
                }

                s[t] = sum / n;
            }

            _scores[mask] = s;
        }
    }

    /// <summary>
    /// Scores from a task × task relation <paramref name="into"/>[u][t] (how much u helps t: TAG's affinity Z_{u→t}, or
    /// a similarity): task t's score in G is the mean of into[u][t] over the other members u (TAG, Sec. 3.2), and 0 alone.
    /// Every group of up to <paramref name="maxSize"/> tasks (default: all) is a candidate. NaN relations count as 0.
    /// </summary>
    public static GroupScores FromRelation(double[][] into, int? maxSize = null)
    {
        ArgumentNullException.ThrowIfNull(into);
        int n = into.Length;
        if (n > GroupSearch.MaxExactTasks && maxSize is null or > 2)
        {
            throw new ArgumentException($"Every group of {n} tasks is 2^{n} groups; give a maximum group size of 2 beyond {GroupSearch.MaxExactTasks} tasks.", nameof(maxSize));
        }

        var table = new GroupScores(n);
        int limit = maxSize ?? n;
        foreach (int mask in Masks(n, limit))
        {
            var s = new double[n];
            int size = System.Numerics.BitOperations.PopCount((uint)mask);
            for (int t = 0; t < n; t++)
            {
                if ((mask >> t & 1) == 0 || size == 1)
                {
                    continue;
                }

                double sum = 0;
                for (int u = 0; u < n; u++)
                {
                    if (u != t && (mask >> u & 1) != 0)
                    {
                        sum += double.IsFinite(into[u][t]) ? into[u][t] : 0;
                    }
                }

                s[t] = sum / (size - 1);
            }

            table.Set(mask, s);
        }

        return table;
    }

    /// <summary>Every non-empty group of at most <paramref name="maxSize"/> of <paramref name="n"/> tasks.</summary>
    public static IEnumerable<int> Masks(int n, int maxSize)
    {
        if (n <= GroupSearch.MaxExactTasks)
        {
            for (int mask = 1; mask < 1 << n; mask++)
            {
                if (System.Numerics.BitOperations.PopCount((uint)mask) <= maxSize)
                {
                    yield return mask;
                }
            }

            yield break;
        }

        for (int a = 0; a < n; a++)
        {
            yield return 1 << a;
            for (int b = a + 1; b < n && maxSize >= 2; b++)
            {
                yield return (1 << a) | (1 << b);
            }
        }
    }

    /// <summary>The tasks of <paramref name="mask"/>, ascending.</summary>
    public static int[] Members(int mask)
    {
        var list = new List<int>();
        for (int t = 0; mask >> t != 0; t++)
        {
            if ((mask >> t & 1) != 0)
            {
                list.Add(t);
            }
        }

        return [.. list];
    }

    private static string Describe(int mask) => "{" + string.Join(", ", Members(mask)) + "}";
}
