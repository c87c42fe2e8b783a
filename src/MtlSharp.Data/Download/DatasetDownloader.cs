using System.Security.Cryptography;

namespace MtlSharp.Data.Download;

/// <summary>
/// Downloads data set files with SHA-256 verification. Each file is streamed into a temporary file beside its
/// destination while being hashed; only when the hash matches is it renamed over the destination (an atomic
/// rename on one file system), so a destination file is either absent, an earlier verified file, or complete and
/// verified. A file already present with the right hash is not downloaded again.
/// </summary>
/// <remarks>
/// URLs of a file are tried in order: a network error or an HTTP error status moves on to the next URL. A checksum
/// mismatch does not: the bytes a known source serves have changed, which deserves attention, so it throws
/// <see cref="ChecksumMismatchException"/> at once (after deleting the temporary file). The HTTP stack is
/// injectable (<see cref="HttpMessageHandler"/>) so tests run without a network.
/// </remarks>
public sealed class DatasetDownloader : IDisposable
{
    private const int BufferSize = 1 << 16;
    private readonly HttpClient _http;

    /// <summary>A downloader using a default <see cref="HttpClientHandler"/>.</summary>
    public DatasetDownloader()
        : this(new HttpClientHandler(), disposeHandler: true)
    {
    }

    /// <summary>A downloader sending its requests through <paramref name="handler"/>.</summary>
    public DatasetDownloader(HttpMessageHandler handler, bool disposeHandler = true)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _http = new HttpClient(handler, disposeHandler) { Timeout = TimeSpan.FromMinutes(10) };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("MtlSharp-DatasetDownloader/1.0");
    }

    /// <summary>Per-request time limit (default 10 minutes).</summary>
    public TimeSpan Timeout
    {
        get => _http.Timeout;
        set => _http.Timeout = value;
    }

    /// <summary>
    /// Makes sure every file of <paramref name="dataset"/> is present and verified under
    /// <c><paramref name="dataDirectory"/>/{dataset.Folder}</c>; returns their paths in the spec's order.
    /// </summary>
    public async Task<IReadOnlyList<string>> EnsureAsync(
        string dataDirectory,
        DatasetSpec dataset,
        IProgress<(long done, long? total)>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        string folder = Path.Combine(dataDirectory, dataset.Folder);
        var paths = new string[dataset.Files.Count];
        for (int i = 0; i < paths.Length; i++)
        {
            paths[i] = await EnsureFileAsync(folder, dataset.Files[i], progress, cancellationToken).ConfigureAwait(false);
        }

        return paths;
    }

    /// <summary>
    /// Makes sure <c><paramref name="directory"/>/{file.FileName}</c> exists with the known SHA-256, downloading it
    /// when absent or different; returns its path. <paramref name="progress"/> receives (bytes done, total when
    /// known) during a download.
    /// </summary>
    public async Task<string> EnsureFileAsync(
        string directory,
        DatasetFile file,
        IProgress<(long done, long? total)>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        string target = Path.GetFullPath(Path.Combine(directory, file.FileName));
        string expected = file.Sha256.ToLowerInvariant();
        if (File.Exists(target) && await Sha256OfAsync(target, cancellationToken).ConfigureAwait(false) == expected)
        {
            return target;
        }

        if (file.Urls.Count == 0)
        {
            throw new IOException($"Cannot download {target}: no source URL is known for {file.FileName}.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var failures = new List<string>();
        foreach (Uri url in file.Urls)
        {
            string temp = target + "." + Path.GetRandomFileName() + ".part";
            try
            {
                (string? error, string actual) = await DownloadToAsync(url, temp, file.Size, progress, cancellationToken).ConfigureAwait(false);
                if (error is not null)
                {
                    failures.Add($"{url}: {error}");
                    continue;
                }

                if (actual != expected)
                {
                    throw new ChecksumMismatchException(target, url, expected, actual);
                }

                File.Move(temp, target, overwrite: true);
                return target;
            }
            catch (HttpRequestException e)
            {
                failures.Add($"{url}: {e.Message}");
            }
            catch (IOException e) when (e is not ChecksumMismatchException)
            {
                // A connection dropped mid-body (or a local write failed): try the next source, report all at the end.
                failures.Add($"{url}: {e.Message}");
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add($"{url}: timed out ({e.Message})");
            }
            finally
            {
                TryDelete(temp);
            }
        }

        throw new IOException($"Could not download {target}; every source failed:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", failures));
    }

    /// <summary>The SHA-256 of a file as lowercase hex.</summary>
    public static async Task<string> Sha256OfAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        byte[] hash = await SHA256.HashDataAsync(fs, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash);
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Streams <paramref name="url"/> into <paramref name="temp"/>, hashing as it goes; returns an error text for an
    /// HTTP error status, else the SHA-256 of the bytes received.
    /// </summary>
    private async Task<(string? Error, string Sha256)> DownloadToAsync(Uri url, string temp, long? knownSize, IProgress<(long done, long? total)>? progress, CancellationToken ct)
    {
        using HttpResponseMessage response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return ($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", string.Empty);
        }

        long? total = response.Content.Headers.ContentLength ?? knownSize;
        await using Stream body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[BufferSize];
        long done = 0;
        progress?.Report((0, total));
        int n;
        while ((n = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            hash.AppendData(buffer, 0, n);
            done += n;
            progress?.Report((done, total));
        }

        await output.FlushAsync(ct).ConfigureAwait(false);
        return (null, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover .part file is harmless and is never read.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
