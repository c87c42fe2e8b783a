namespace MtlSharp.NN.Checkpoints;

/// <summary>
/// Makes a checkpoint folder a unit: its files are written into a hidden sibling (<c>.NAME.partial</c>), which then
/// replaces the folder by two renames (the old one goes to <c>.NAME.old</c> for the instant between them and is
/// deleted). A kill at any moment leaves either the previous complete folder, or — between the two renames — the
/// previous one under <c>.NAME.old</c>, which <see cref="Resolve"/> finds. Files of different steps never mix, and
/// partial folders left by a kill are removed by the next write.
/// </summary>
public static class CheckpointFolder
{
    /// <summary>Writes the folder <paramref name="directory"/> as a unit: <paramref name="write"/> fills the folder path it is given.</summary>
    public static void Write(string directory, Action<string> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(full) ?? throw new ArgumentException($"No parent folder in '{directory}'.", nameof(directory));
        string name = Path.GetFileName(full);
        string partial = Path.Combine(parent, $".{name}.partial");
        string old = Path.Combine(parent, $".{name}.old");
        Directory.CreateDirectory(parent);
        if (Directory.Exists(partial))
        {
            Directory.Delete(partial, recursive: true);
        }

        try
        {
            Directory.CreateDirectory(partial);
            write(partial);
        }
        catch
        {
            TryDelete(partial);
            throw;
        }

        if (Directory.Exists(full))
        {
            if (Directory.Exists(old))
            {
                Directory.Delete(old, recursive: true);
            }

            Directory.Move(full, old);
        }

        Directory.Move(partial, full);
        TryDelete(old);
    }

    /// <summary>
    /// The complete folder to read for <paramref name="directory"/>: itself when it holds
    /// <see cref="Checkpoint.MetadataFile"/>, else the previous one left by a kill between the two renames of
    /// <see cref="Write"/>; null when neither exists.
    /// </summary>
    public static string? Resolve(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string full = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        if (File.Exists(Path.Combine(full, Checkpoint.MetadataFile)))
        {
            return full;
        }

        string old = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.old");
        return File.Exists(Path.Combine(old, Checkpoint.MetadataFile)) ? old : null;
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                // The metadata goes first: a delete cut short by a kill leaves no folder that looks complete.
                File.Delete(Path.Combine(dir, Checkpoint.MetadataFile));
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
