using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// A fixed allocation: the baselines "no sharing" (task i uses component i), "shared bottom" (every task uses every
/// component), or any user-given 0/1 matrix.
/// </summary>
public sealed class FixedRouter : IRouter
{
    private readonly int[][] _matrix;
    private readonly Tensor[] _rows;

    /// <summary>Creates a router from a tasks × components 0/1 matrix.</summary>
    public FixedRouter(int[][] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.Length == 0 || matrix[0].Length == 0)
        {
            throw new ArgumentException("A fixed allocation needs at least one task and one component.", nameof(matrix));
        }

        int c = matrix[0].Length;
        foreach (var row in matrix)
        {
            if (row.Length != c || row.Any(v => v is not (0 or 1)))
            {
                throw new ArgumentException($"A fixed allocation must be a rectangular 0/1 matrix with {c} columns; got row [{string.Join(", ", row)}].", nameof(matrix));
            }
        }

        _matrix = matrix.Select(r => (int[])r.Clone()).ToArray();
        _rows = _matrix.Select(r => Tensor.FromArray(Array.ConvertAll(r, v => (float)v), c)).ToArray();
    }

    /// <summary>Task i uses component i only (needs C ≥ T).</summary>
    public static FixedRouter NoSharing(int tasks, int components)
    {
        if (components < tasks)
        {
            throw new ArgumentException($"No sharing needs at least as many components as tasks ({components} < {tasks}).");
        }

        return new FixedRouter(Enumerable.Range(0, tasks).Select(t => Enumerable.Range(0, components).Select(c => c == t ? 1 : 0).ToArray()).ToArray());
    }

    /// <summary>Every task uses every component.</summary>
    public static FixedRouter SharedBottom(int tasks, int components) =>
        new(Enumerable.Range(0, tasks).Select(_ => Enumerable.Repeat(1, components).ToArray()).ToArray());

    /// <inheritdoc />
    public int Tasks => _matrix.Length;

    /// <inheritdoc />
    public int Components => _matrix[0].Length;

    /// <inheritdoc />
    public Tensor? Logits => null;

    /// <inheritdoc />
    public Tensor Sample(in RoutingContext ctx) => _rows[ctx.Task];

    /// <inheritdoc />
    public float[] EvaluationRow(in RoutingContext ctx) => _rows[ctx.Task].ToArray();

    /// <inheritdoc />
    public int[][] MaximumLikelihood() => _matrix.Select(r => (int[])r.Clone()).ToArray();

    /// <inheritdoc />
    public double[][] Probabilities() => _matrix.Select(r => Array.ConvertAll(r, v => (double)v)).ToArray();
}
