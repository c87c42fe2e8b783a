using System.IO.Compression;
using System.Text;

namespace MtlSharp.Testing;

/// <summary>
/// A small UD English-EWT for fast tagger tests: the first sentences of the real corpus (one training genre's train
/// and dev sentences, a few test sentences of every genre), written as plain CoNLL-U files into
/// <c>{folder}/ud-english-ewt/</c>, so that configurations with <c>"path": "ud-english-ewt"</c> read it with
/// <c>--data {folder}</c>.
/// </summary>
internal static class MiniEwt
{
    /// <summary>
    /// Writes the small corpus from the real one in <paramref name="datasetsDir"/> (the shared datasets folder):
    /// the first <paramref name="train"/> and <paramref name="dev"/> sentences of <paramref name="genre"/> in train
    /// and dev, the first <paramref name="test"/> of every genre in test. Returns <paramref name="folder"/>.
    /// </summary>
    public static string Write(string datasetsDir, string folder, int train, int dev, int test, string genre = "weblog")
    {
        string source = Path.Combine(datasetsDir, "ud-english-ewt");
        string target = Path.Combine(folder, "ud-english-ewt");
        Directory.CreateDirectory(target);
        foreach (var (split, take) in new[] { ("train", train), ("dev", dev), ("test", test) })
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var text = new StringBuilder();
            foreach (string block in Sentences(Path.Combine(source, $"en_ewt-ud-{split}.conllu.gz")))
            {
                string id = block.Split('\n').First(l => l.StartsWith("# sent_id = ", StringComparison.Ordinal))["# sent_id = ".Length..];
                string g = id[..id.IndexOf('-', StringComparison.Ordinal)];
                if (split != "test" && g != genre)
                {
                    continue;
                }

                int had = counts.GetValueOrDefault(g);
                if (had < take)
                {
                    counts[g] = had + 1;
                    text.Append(block).Append("\n\n");
                }
            }

            File.WriteAllText(Path.Combine(target, $"en_ewt-ud-{split}.conllu"), text.ToString());
        }

        return folder;
    }

    /// <summary>The sentence blocks of a gzip-compressed CoNLL-U file (without their closing blank line).</summary>
    private static IEnumerable<string> Sentences(string gz)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(gz), CompressionMode.Decompress));
        var block = new StringBuilder();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0)
            {
                if (block.Length > 0)
                {
                    yield return block.ToString(0, block.Length - 1);
                    block.Clear();
                }

                continue;
            }

            block.Append(line).Append('\n');
        }

        if (block.Length > 0)
        {
            yield return block.ToString(0, block.Length - 1);
        }
    }
}
