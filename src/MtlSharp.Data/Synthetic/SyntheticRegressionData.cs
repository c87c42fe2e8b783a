namespace MtlSharp.Data.Synthetic;

/// <summary>
/// Generated synthetic regression tasks. Arrays are row-major: inputs [N, d] per task, targets [N] per task.
/// With shared inputs every entry of <see cref="Inputs"/> is the same array instance.
/// </summary>
public sealed class SyntheticRegressionData
{
    internal SyntheticRegressionData(int dim, int count, float[][] inputs, float[][] targets, float[][] weights, int[] clusterOf, bool shared)
    {
        Dim = dim;
        Count = count;
        Inputs = inputs;
        Targets = targets;
        Weights = weights;
        ClusterOf = clusterOf;
        SharedInputs = shared;
    }

    /// <summary>Input dimension d.</summary>
    public int Dim { get; }

    /// <summary>Number of samples N per task.</summary>
    public int Count { get; }

    /// <summary>Number of tasks T.</summary>
    public int NumTasks => Targets.Count;

    /// <summary>True when all tasks share one input matrix.</summary>
    public bool SharedInputs { get; }

    /// <summary>Per task, the inputs x as [N, d] (the same instance for every task when inputs are shared).</summary>
    public IReadOnlyList<float[]> Inputs { get; }

    /// <summary>Per task, the targets y as [N].</summary>
    public IReadOnlyList<float[]> Targets { get; }

    /// <summary>Per task, the weight vector w_k as [d].</summary>
    public IReadOnlyList<float[]> Weights { get; }

    /// <summary>Per task, the index of its cluster.</summary>
    public IReadOnlyList<int> ClusterOf { get; }

    /// <summary>Rows [start, start+count) of every task (e.g. to split train and test), as a new data set.</summary>
    public SyntheticRegressionData Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"SyntheticRegressionData.Slice: rows [{start}, {start + count}) are outside [0, {Count}).");
        }

        var inputs = new float[NumTasks][];
        var targets = new float[NumTasks][];
        for (int t = 0; t < NumTasks; t++)
        {
            inputs[t] = SharedInputs && t > 0 ? inputs[0] : Inputs[t].AsSpan(start * Dim, count * Dim).ToArray();
            targets[t] = Targets[t].AsSpan(start, count).ToArray();
        }

        var weights = new float[NumTasks][];
        for (int t = 0; t < NumTasks; t++)
        {
            weights[t] = (float[])Weights[t].Clone();
        }

        return new SyntheticRegressionData(Dim, count, inputs, targets, weights, [.. ClusterOf], SharedInputs);
    }
}
