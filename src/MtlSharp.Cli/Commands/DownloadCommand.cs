using System.CommandLine;
using MtlSharp.Data.Download;

namespace MtlSharp.Cli.Commands;

/// <summary><c>mtl download</c>: fetches datasets from their official sources and verifies SHA-256 checksums.</summary>
internal static class DownloadCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var which = new Argument<string[]>("datasets")
        {
            Description = $"Datasets to fetch (default: all): {string.Join(", ", KnownDatasets.All.Select(d => d.Folder))}.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var cmd = new Command("download", "Download datasets into the data directory, verifying checksums (needs network access).") { data, which };
        cmd.SetAction(r =>
        {
            string dir = r.GetValue(data)!;
            string[] names = r.GetValue(which) ?? [];
            var specs = names.Length == 0
                ? KnownDatasets.All
                : names.Select(n => KnownDatasets.All.FirstOrDefault(d => d.Folder == n) ?? throw new UsageException($"unknown dataset '{n}'; expected one of: {string.Join(", ", KnownDatasets.All.Select(d => d.Folder))}")).ToArray();
            using var downloader = new DatasetDownloader();
            foreach (var spec in specs)
            {
                Console.WriteLine($"{spec.Name} → {Path.Combine(dir, spec.Folder)}");
                var progress = new DownloadProgress();
                var files = downloader.EnsureAsync(dir, spec, progress).GetAwaiter().GetResult();
                progress.Done();
                foreach (var f in files)
                {
                    Console.WriteLine($"  ok  {f}");
                }
            }

            return 0;
        });
        return cmd;
    }

    private sealed class DownloadProgress : IProgress<(long Done, long? Total)>
    {
        private readonly bool _interactive = !Console.IsOutputRedirected;

        public void Report((long Done, long? Total) value)
        {
            if (_interactive)
            {
                string total = value.Total is { } t ? $" / {t / 1e6:F1} MB" : "";
                Console.Write($"\r  {value.Done / 1e6:F1} MB{total}   ");
            }
        }

        public void Done()
        {
            if (_interactive)
            {
                Console.WriteLine();
            }
        }
    }
}
