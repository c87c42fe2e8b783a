namespace MtlSharp.MultiTask.Analysis;

/// <summary>
/// Task embeddings from learned allocations (paper Sec. III-E): a task's embedding is the concatenation over routed
/// layers of its binary maximum-likelihood allocation row. Tasks with identical embeddings are processed
/// identically (apart from their heads) and form a cluster; similarity is the cosine of embeddings (Fig. 6).
/// </summary>
public static class TaskEmbeddings
{
    /// <summary>Concatenates each task's rows: allocations[layer][task][component] → [task][Σ C_l].</summary>
    public static int[][] Embed(IReadOnlyList<int[][]> allocations)
    {
        ArgumentNullException.ThrowIfNull(allocations);
        if (allocations.Count == 0)
        {
            return [];
        }

        int tasks = allocations[0].Length;
        var e = new int[tasks][];
        for (int t = 0; t < tasks; t++)
        {
            e[t] = allocations.SelectMany(layer => layer[t]).ToArray();
        }

        return e;
    }

    /// <summary>Pairwise cosine similarity of embeddings (0 when either is all zeros).</summary>
    public static double[][] CosineSimilarity(int[][] embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        int n = embeddings.Length;
        var s = new double[n][];
        for (int i = 0; i < n; i++)
        {
            s[i] = new double[n];
            for (int j = 0; j < n; j++)
            {
                double dot = 0, ni = 0, nj = 0;
                for (int k = 0; k < embeddings[i].Length; k++)
                {
                    dot += embeddings[i][k] * embeddings[j][k];
                    ni += embeddings[i][k] * embeddings[i][k];
                    nj += embeddings[j][k] * embeddings[j][k];
                }

                s[i][j] = ni == 0 || nj == 0 ? 0 : dot / Math.Sqrt(ni * nj);
            }
        }

        return s;
    }

    /// <summary>Groups of task indices with identical embeddings, in order of first appearance.</summary>
    public static List<List<int>> Clusters(int[][] embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        var groups = new List<List<int>>();
        var keys = new List<int[]>();
        for (int t = 0; t < embeddings.Length; t++)
        {
            int g = keys.FindIndex(k => k.AsSpan().SequenceEqual(embeddings[t]));
            if (g < 0)
            {
                keys.Add(embeddings[t]);
                groups.Add([t]);
            }
            else
            {
                groups[g].Add(t);
            }
        }

        return groups;
    }

    /// <summary>
    /// Similarity of tasks from their allocation <em>probabilities</em> (a list of tasks × components matrices: every
    /// routed layer of <c>RoutedNetwork.Probabilities</c>, or every snapshot of every layer of a run's allocation
    /// history): each task's probabilities over all the matrices, minus the mean over tasks of each entry, and the
    /// cosine of these deviations (1 on the diagonal; 0 where a task's deviation is
    /// zero, i.e. below 1e-9 of the largest). Unlike the binary embeddings of the paper (<see cref="CosineSimilarity"/>), it still separates tasks when
    /// every task keeps every connection: two tasks that the router drives the same way away from the average task
    /// score near 1, tasks driven opposite ways below 0.
    /// </summary>
    public static double[][] CentredSimilarity(IReadOnlyList<double[][]> probabilities)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        if (probabilities.Count == 0)
        {
            return [];
        }

        int n = probabilities[0].Length;
        var v = new double[n][];
        for (int t = 0; t < n; t++)
        {
            v[t] = probabilities.SelectMany(layer => layer[t]).ToArray();
        }

        int d = v.Length == 0 ? 0 : v[0].Length;
        for (int k = 0; k < d; k++)
        {
            double mean = 0;
            for (int t = 0; t < n; t++)
            {
                mean += v[t][k];
            }

            mean /= n;
            for (int t = 0; t < n; t++)
            {
                v[t][k] -= mean;
            }
        }

        // A deviation below 1e-9 of the largest is rounding (a task equal to the mean task), not a direction.
        var norm = v.Select(x => Math.Sqrt(x.Sum(e => e * e))).ToArray();
        double floor = 1e-9 * norm.DefaultIfEmpty(0).Max();
        var s = new double[n][];
        for (int i = 0; i < n; i++)
        {
            s[i] = new double[n];
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                for (int k = 0; k < d; k++)
                {
                    dot += v[i][k] * v[j][k];
                }

                s[i][j] = i == j ? 1 : norm[i] <= floor || norm[j] <= floor ? 0 : dot / (norm[i] * norm[j]);
            }
        }

        return s;
    }

    /// <summary>Fraction of active entries over all layers' allocation matrices.</summary>
    public static double ActiveFraction(IReadOnlyList<int[][]> allocations)
    {
        ArgumentNullException.ThrowIfNull(allocations);
        long on = 0, all = 0;
        foreach (var layer in allocations)
        {
            foreach (var row in layer)
            {
                foreach (int v in row)
                {
                    on += v;
                    all++;
                }
            }
        }

        return all == 0 ? 0 : (double)on / all;
    }
}
