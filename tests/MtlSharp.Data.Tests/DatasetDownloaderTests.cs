using System.Net;
using System.Security.Cryptography;
using MtlSharp.Data.Download;
using MtlSharp.Testing;

namespace MtlSharp.Data.Tests;

public sealed class DatasetDownloaderTests
{
    private const string UrlA = "https://mirror-a.example/data/file.bin";
    private const string UrlB = "https://mirror-b.example/data/file.bin";

    /// <summary>Records progress synchronously (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class ProgressLog : IProgress<(long done, long? total)>
    {
        public List<(long done, long? total)> Reports { get; } = [];

        public void Report((long done, long? total) value) => Reports.Add(value);
    }

    private static byte[] Payload(int n)
    {
        var b = new byte[n];
        new Random(n).NextBytes(b);
        return b;
    }

    private static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    private static DatasetFile FileSpec(byte[] content, params string[] urls) =>
        new("file.bin", Sha(content), content.Length, urls.Select(u => new Uri(u)).ToArray());

    private static string[] Leftovers(TempDir dir) => Directory.GetFiles(dir.Path, "*.part", SearchOption.AllDirectories);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DownloadsVerifiesAndReportsProgress(bool contentLength)
    {
        using var dir = new TempDir();
        byte[] content = Payload(200_000);
        var handler = new FakeHttpHandler { SendContentLength = contentLength }.Serve(UrlA, content);
        using var downloader = new DatasetDownloader(handler);
        var progress = new ProgressLog();
        string path = await downloader.EnsureFileAsync(Path.Combine(dir.Path, "sub"), FileSpec(content, UrlA), progress);

        Assert.Equal(Path.Combine(dir.Path, "sub", "file.bin"), path);
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Empty(Leftovers(dir));
        Assert.Equal(new[] { UrlA }, handler.Requests);
        Assert.Equal((0L, (long?)content.Length), progress.Reports[0]); // the spec's size stands in for a missing Content-Length
        Assert.Equal((content.Length, (long?)content.Length), progress.Reports[^1]);
        Assert.True(progress.Reports.Count >= 3);
        for (int i = 1; i < progress.Reports.Count; i++)
        {
            Assert.True(progress.Reports[i].done >= progress.Reports[i - 1].done);
        }
    }

    [Fact]
    public async Task ChecksumMismatchDeletesTempFileKeepsOldFileAndNamesBothHashes()
    {
        using var dir = new TempDir();
        byte[] expected = Payload(1000), served = Payload(999);
        string target = dir.File("file.bin");
        File.WriteAllBytes(target, [1, 2, 3]); // an old, wrong file: replaced only by a verified one
        var handler = new FakeHttpHandler().Serve(UrlA, served).Serve(UrlB, expected);
        using var downloader = new DatasetDownloader(handler);

        var e = await Assert.ThrowsAsync<ChecksumMismatchException>(() => downloader.EnsureFileAsync(dir.Path, FileSpec(expected, UrlA, UrlB)));
        Assert.Contains(target, e.Message);
        Assert.Contains(Sha(expected), e.Message);
        Assert.Contains(Sha(served), e.Message);
        Assert.Contains(UrlA, e.Message);
        Assert.Equal(Sha(served), e.ActualSha256);
        Assert.Empty(Leftovers(dir));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(target));
        Assert.Equal(new[] { UrlA }, handler.Requests); // a mismatch is not papered over by the next mirror
    }

    [Fact]
    public async Task VerifiedFileIsNotDownloadedAgain_WrongFileIsReplaced()
    {
        using var dir = new TempDir();
        byte[] content = Payload(5000);
        var handler = new FakeHttpHandler().Serve(UrlA, content);
        using var downloader = new DatasetDownloader(handler);
        DatasetFile spec = FileSpec(content, UrlA);

        await downloader.EnsureFileAsync(dir.Path, spec);
        await downloader.EnsureFileAsync(dir.Path, spec);
        Assert.Single(handler.Requests);

        File.WriteAllBytes(dir.File("file.bin"), Payload(10)); // corrupted on disk
        await downloader.EnsureFileAsync(dir.Path, spec);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal(content, File.ReadAllBytes(dir.File("file.bin")));
    }

    [Fact]
    public async Task FallsBackToNextUrlOnHttpOrNetworkError()
    {
        using var dir = new TempDir();
        byte[] content = Payload(3000);
        const string unreachable = "https://offline.example/file.bin";
        var handler = new FakeHttpHandler().Fail(UrlA, HttpStatusCode.Forbidden).Serve(UrlB, content);
        using var downloader = new DatasetDownloader(handler);
        string path = await downloader.EnsureFileAsync(dir.Path, FileSpec(content, UrlA, unreachable, UrlB));
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(new[] { UrlA, unreachable, UrlB }, handler.Requests);
        Assert.Empty(Leftovers(dir));
    }

    [Fact]
    public async Task DroppedConnectionDeletesPartialFileAndTriesNextUrl()
    {
        using var dir = new TempDir();
        byte[] content = Payload(100_000);
        var handler = new FakeHttpHandler().ServeBroken(UrlA, 70_000).Serve(UrlB, content);
        using var downloader = new DatasetDownloader(handler);
        string path = await downloader.EnsureFileAsync(dir.Path, FileSpec(content, UrlA, UrlB));
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(new[] { UrlA, UrlB }, handler.Requests);
        Assert.Empty(Leftovers(dir));

        var onlyBroken = new FakeHttpHandler().ServeBroken(UrlA, 10);
        using var d2 = new DatasetDownloader(onlyBroken);
        var e = await Assert.ThrowsAsync<IOException>(() => d2.EnsureFileAsync(dir.File("other"), FileSpec(content, UrlA)));
        Assert.Contains("connection reset by fake peer", e.Message);
        Assert.False(Directory.EnumerateFiles(dir.File("other")).Any());
    }

    [Fact]
    public async Task AllSourcesFailingListsEveryUrl()
    {
        using var dir = new TempDir();
        var handler = new FakeHttpHandler().Fail(UrlA, HttpStatusCode.NotFound);
        using var downloader = new DatasetDownloader(handler);
        var e = await Assert.ThrowsAsync<IOException>(() => downloader.EnsureFileAsync(dir.Path, FileSpec(Payload(10), UrlA, UrlB)));
        Assert.Contains(dir.File("file.bin"), e.Message);
        Assert.Contains(UrlA + ": HTTP 404", e.Message);
        Assert.Contains(UrlB + ": fake network", e.Message);
        Assert.False(File.Exists(dir.File("file.bin")));
        Assert.Empty(Leftovers(dir));
    }

    [DatasetFact("mnist")]
    public async Task SharedMnistFilesVerifyWithoutAnyRequest()
    {
        // Copies of the shared files pass the known checksums, so nothing is requested.
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("mnist"));
        foreach (DatasetFile f in KnownDatasets.Mnist.Files)
        {
            File.Copy(Path.Combine(Fixtures.DatasetsDir, "mnist", f.FileName), Path.Combine(dir.Path, "mnist", f.FileName));
        }

        var handler = new FakeHttpHandler();
        using var downloader = new DatasetDownloader(handler);
        IReadOnlyList<string> paths = await downloader.EnsureAsync(dir.Path, KnownDatasets.Mnist);
        Assert.Equal(4, paths.Count);
        Assert.Empty(handler.Requests);
    }

    [DatasetFact("mnist")]
    public void KnownChecksumsMatchSharedSha256Sums()
    {
        var sums = new Dictionary<string, string>();
        foreach (string line in File.ReadAllLines(Path.Combine(Fixtures.DatasetsDir, "SHA256SUMS")))
        {
            string[] parts = line.Split("  ", 2);
            sums[parts[1]] = parts[0];
        }

        int matched = 0;
        foreach (DatasetSpec spec in KnownDatasets.All)
        {
            Assert.NotEmpty(spec.Files);
            foreach (DatasetFile f in spec.Files)
            {
                Assert.NotEmpty(f.Urls);
                Assert.All(f.Urls, u => Assert.EndsWith(f.FileName, u.AbsolutePath, StringComparison.Ordinal));
                if (sums.TryGetValue($"{spec.Folder}/{f.FileName}", out string? sha))
                {
                    if (spec == KnownDatasets.Omniglot)
                    {
                        // The shared Omniglot zips are a pixel-identical rebuild (shared/datasets/omniglot/SOURCE.md):
                        // their bytes, hence checksums, differ from the official archives the spec names.
                        Assert.NotEqual(sha, f.Sha256);
                        continue;
                    }

                    Assert.Equal(sha, f.Sha256);
                    matched++;
                }
            }
        }

        // Everything except the three uncompressed EWT .conllu files (their hashes come from SOURCE.md).
        Assert.Equal(4 + 4 + 2 + 2, matched);
    }
}
