namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// The mean of the per-task gradients, (1/T) Σ_t g_t — TorchJD's <c>Mean</c>. Equal to back-propagating the mean of
/// the task losses; it exists so the aggregation path of the loop is exercised and tested with a known answer.
/// </summary>
public sealed class MeanAggregator : IGradientAggregator
{
    /// <inheritdoc/>
    public string Name => "mean";

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        if (destination.Length != gradients.Columns)
        {
            throw new ArgumentException($"MeanAggregator: destination of {destination.Length} for {gradients.Columns} columns.", nameof(destination));
        }

        int t = gradients.Rows;
        destination.Clear();
        for (int i = 0; i < t; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(destination, gradients.Row(i), destination);
        }

        System.Numerics.Tensors.TensorPrimitives.Multiply(destination, 1f / t, destination);
        return Enumerable.Repeat(1.0 / t, t).ToArray();
    }
}
