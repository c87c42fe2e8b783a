namespace MtlSharp.MultiTask.Training.Callbacks;

/// <summary>Helpers for append-only logs that a resumed run cuts back to the length they had at its checkpoint.</summary>
internal static class LogFile
{
    /// <summary>Truncates <paramref name="path"/> to <paramref name="length"/> bytes (no-op when missing or already shorter).</summary>
    public static void TruncateTo(string path, long length)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        if (fs.Length > length)
        {
            fs.SetLength(length);
        }
    }
}
