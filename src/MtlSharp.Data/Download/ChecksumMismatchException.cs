namespace MtlSharp.Data.Download;

/// <summary>A downloaded file's SHA-256 differs from the known value; the partial file has been deleted.</summary>
public sealed class ChecksumMismatchException : IOException
{
    /// <summary>Creates the exception; the message names the file, the URL and both hashes.</summary>
    public ChecksumMismatchException(string path, Uri source, string expectedSha256, string actualSha256)
        : base($"SHA-256 mismatch for {path} (downloaded from {source}): expected {expectedSha256}, got {actualSha256}. The download was discarded.")
    {
        Path = path;
        Source = source;
        ExpectedSha256 = expectedSha256;
        ActualSha256 = actualSha256;
    }

    /// <summary>The destination path that was not written.</summary>
    public string Path { get; }

    /// <summary>The URL that served the wrong bytes.</summary>
    public new Uri Source { get; }

    /// <summary>The known SHA-256.</summary>
    public string ExpectedSha256 { get; }

    /// <summary>The SHA-256 of the bytes received.</summary>
    public string ActualSha256 { get; }
}
