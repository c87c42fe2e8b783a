namespace MtlSharp.NN.Checkpoints;

/// <summary>
/// Crash-safe file replacement: the content is written to a temporary file in the destination's folder, flushed
/// to disk, then moved over the destination in one rename. A failure (or crash) at any point leaves the previous
/// file intact; on failure the temporary file is removed, and an I/O error (such as a full disk) is rethrown as an
/// <see cref="IOException"/> that names the destination.
/// </summary>
public static class AtomicFile
{
    /// <summary>The suffix of the temporary files (<c>.{name}.{random}.tmp</c> beside the destination).</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>Writes <paramref name="path"/> atomically with whatever <paramref name="write"/> puts in the stream.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? throw new ArgumentException($"No folder in path '{path}'.", nameof(path));
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }

            File.Move(tmp, full, overwrite: true);
        }
        catch (IOException e)
        {
            // The temporary file's name means nothing to the user: name the file that could not be written.
            TryDelete(tmp);
            throw new IOException($"Cannot write {full}: {e.Message}", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    private static void TryDelete(string tmp)
    {
        try
        {
            File.Delete(tmp);
        }
        catch (IOException)
        {
            // Best effort: the destination is intact either way.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
