namespace MtlSharp.Tensors;

/// <summary>
/// Which rows of a batch a tensor holds: rows [<see cref="Start"/>, <see cref="Start"/> + <see cref="Count"/>) of a
/// batch of <see cref="Total"/> rows (data parallelism: each process computes a share of every batch). Noise drawn per
/// row — dropout masks, per-example noise — is drawn for the whole batch from the shared stream and the share's rows
/// are kept, so the shares together see exactly the noise of one process with the whole batch and every process's
/// stream advances alike. The default value (<see cref="Total"/> 0) means the whole batch, whatever its size.
/// </summary>
/// <param name="Start">The first row of the share in the whole batch.</param>
/// <param name="Count">The rows of the share.</param>
/// <param name="Total">The rows of the whole batch (0: the share is the whole batch).</param>
public readonly record struct RowShare(int Start, int Count, int Total)
{
    /// <summary>Whether the share is the whole batch (nothing to skip).</summary>
    public bool IsWhole => Total == 0 || (Start == 0 && Count == Total);

    /// <summary>Throws unless the share fits its batch and a tensor of <paramref name="rows"/> rows holds it.</summary>
    public void Check(int rows, string op)
    {
        if (Total == 0)
        {
            return;
        }

        if (Start < 0 || Count < 0 || Total < 1 || Start > Total - Count || Count != rows)
        {
            throw new ArgumentException($"{op}: rows [{Start}, {Start + Count}) of {Total} do not describe a tensor of {rows} rows.");
        }
    }

    /// <summary>
    /// Copies this share's rows of <paramref name="whole"/> (the whole batch's values, <paramref name="width"/> per
    /// row) into <paramref name="destination"/>.
    /// </summary>
    public void Take(ReadOnlySpan<float> whole, Span<float> destination, int width) =>
        whole.Slice(Start * width, Count * width).CopyTo(destination);
}
