namespace MtlSharp.MultiTask.Analysis.Grouping;

/// <summary>
/// Chooses the networks to train (Standley et al. 2020, Sec. 3.3): at most <c>budget</c> groups of tasks such that
/// every task is served by the chosen group that predicts it best, maximising the sum over tasks of the served score.
/// Exact for up to <see cref="MaxExactTasks"/> tasks: a chosen network serves a subset of its tasks, and the served
/// subsets partition the tasks, so the optimum is a partition into at most <c>budget</c> blocks where a block S is
/// worth w(S) = max over candidate groups G ⊇ S of Σ_{t∈S} score(G, t) — a dynamic programme over the 2^n subsets
/// (O(3^n) per network of budget). Beyond that, a greedy approximation: networks are added one at a time, each the
/// candidate that raises the objective most (a task not yet served counts as far below any score), which covers every
/// task when the candidates can, but is not guaranteed optimal.
/// </summary>
public static class GroupSearch
{
    /// <summary>The most tasks searched exactly.</summary>
    public const int MaxExactTasks = 16;

    /// <summary>The best grouping of <paramref name="scores"/>' tasks into at most <paramref name="budget"/> networks.</summary>
    /// <exception cref="ArgumentException">The candidates cannot serve every task within the budget.</exception>
    public static TaskGrouping Choose(GroupScores scores, int budget)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, 1);
        return scores.Tasks <= MaxExactTasks ? Exact(scores, Math.Min(budget, scores.Tasks)) : Greedy(scores, budget);
    }

    private static TaskGrouping Exact(GroupScores scores, int budget)
    {
        int n = scores.Tasks, full = (1 << n) - 1;
        var w = new double[1 << n];
        var source = new int[1 << n];
        Array.Fill(w, double.NegativeInfinity);
        var sum = new double[1 << n];
        var groups = scores.Groups.OrderBy(g => g).ToArray();   // a fixed order: ties go to the smallest mask
        foreach (int g in groups)
        {
            // Submasks of g in increasing order; each one's sum extends the sum without its lowest task.
            for (int sub = (0 - g) & g; sub != 0; sub = (sub - g) & g)
            {
                int low = sub & -sub;
                sum[sub] = sum[sub ^ low] + scores.Score(g, System.Numerics.BitOperations.TrailingZeroCount(low));
                if (sum[sub] > w[sub])
                {
                    w[sub] = sum[sub];
                    source[sub] = g;
                }
            }
        }

        // f[k][mask]: the best partition of mask into at most k blocks; choice[k][mask]: the block holding mask's lowest task (0: fewer blocks).
        var f = new double[budget + 1][];
        var choice = new int[budget + 1][];
        for (int k = 0; k <= budget; k++)
        {
            f[k] = new double[1 << n];
            choice[k] = new int[1 << n];
            Array.Fill(f[k], double.NegativeInfinity);
            f[k][0] = 0;
        }

        for (int k = 1; k <= budget; k++)
        {
            for (int mask = 1; mask <= full; mask++)
            {
                double best = f[k - 1][mask];
                int arg = 0;
                int low = mask & -mask, rest = mask ^ low;
                // Blocks S = low ∪ (a submask of the rest).
                for (int sub = rest; ; sub = (sub - 1) & rest)
                {
                    int s = sub | low;
                    double v = w[s] + f[k - 1][mask ^ s];
                    if (v > best)
                    {
                        best = v;
                        arg = s;
                    }

                    if (sub == 0)
                    {
                        break;
                    }
                }

                f[k][mask] = best;
                choice[k][mask] = arg;
            }
        }

        if (double.IsNegativeInfinity(f[budget][full]))
        {
            throw new ArgumentException($"No {budget} or fewer of the candidate groups serve all {n} tasks.");
        }

        var blocks = new List<int>();
        int m = full;
        for (int k = budget; m != 0; )
        {
            int s = choice[k][m];
            if (s == 0)
            {
                k--;
                continue;
            }

            blocks.Add(s);
            m ^= s;
            k--;
        }

        return Build(scores, blocks.Select(s => (source[s], s)), f[budget][full], exact: true);
    }

    private static TaskGrouping Greedy(GroupScores scores, int budget)
    {
        int n = scores.Tasks;
        const double Unserved = -1e12;
        var best = new double[n];
        Array.Fill(best, Unserved);
        var chosen = new List<int>();
        var groups = scores.Groups.OrderBy(g => g).ToArray();
        for (int round = 0; round < budget; round++)
        {
            double bestGain = 0;
            int pick = 0;
            foreach (int g in groups)
            {
                double gain = 0;
                foreach (int t in GroupScores.Members(g))
                {
                    gain += Math.Max(0, scores.Score(g, t) - best[t]);
                }

                if (gain > bestGain)
                {
                    bestGain = gain;
                    pick = g;
                }
            }

            if (pick == 0)
            {
                break;
            }

            chosen.Add(pick);
            foreach (int t in GroupScores.Members(pick))
            {
                best[t] = Math.Max(best[t], scores.Score(pick, t));
            }
        }

        if (best.Any(b => b == Unserved))
        {
            throw new ArgumentException($"The greedy search found no {budget} candidate groups that serve all {n} tasks.");
        }

        // Each task is served by its best chosen network (the first on ties).
        var serves = chosen.ToDictionary(g => g, _ => 0);
        for (int t = 0; t < n; t++)
        {
            int g = chosen.Where(c => (c >> t & 1) != 0).MaxBy(c => scores.Score(c, t));
            serves[g] |= 1 << t;
        }

        return Build(scores, serves.Where(kv => kv.Value != 0).Select(kv => (kv.Key, kv.Value)), best.Sum(), exact: false);
    }

    private static TaskGrouping Build(GroupScores scores, IEnumerable<(int Trained, int Serves)> blocks, double total, bool exact)
    {
        // Blocks served by the same network (ties) become one network.
        var merged = new SortedDictionary<int, int>();
        foreach (var (g, s) in blocks)
        {
            merged[g] = merged.TryGetValue(g, out int had) ? had | s : s;
        }

        var networks = merged
            .Select(kv => new TaskGroupNetwork(GroupScores.Members(kv.Key), GroupScores.Members(kv.Value), GroupScores.Members(kv.Value).Select(t => scores.Score(kv.Key, t)).ToArray()))
            .OrderBy(nw => nw.Serves[0])
            .ToArray();
        return new TaskGrouping(networks, total, exact);
    }
}
