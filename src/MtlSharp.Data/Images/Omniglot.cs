using System.Globalization;
using System.IO.Compression;
using StbImageSharp;

namespace MtlSharp.Data.Images;

/// <summary>
/// Reads Omniglot (Lake et al. 2015) straight from its two official zip archives, <c>images_background.zip</c> and
/// <c>images_evaluation.zip</c> (entries <c>images_*/ALPHABET/characterNN/IIII_DD.png</c>, 105×105, one per drawer
/// DD = 01…20), without unpacking them: each PNG is decoded in memory (StbImageSharp), scaled to [0, 1] and inverted
/// so the background is 0 and the ink 1 (spec A10(e)), optionally area-averaged down to a smaller side.
/// </summary>
/// <remarks>
/// A damaged archive, entry or image, a drawing of the wrong size, or a character without exactly 20 drawings throws
/// <see cref="InvalidDataException"/> naming the archive, the entry and what was wrong.
/// </remarks>
public static class Omniglot
{
    /// <summary>The background archive's file name.</summary>
    public const string BackgroundFile = "images_background.zip";

    /// <summary>The evaluation archive's file name.</summary>
    public const string EvaluationFile = "images_evaluation.zip";

    /// <summary>The side of an Omniglot drawing, in pixels.</summary>
    public const int ImageSide = 105;

    /// <summary>Drawings (drawers) per character.</summary>
    public const int DrawingsPerCharacter = 20;

    /// <summary>
    /// The 50 alphabets in the order of prior work (Meyerson &amp; Miikkulainen 2018; Ramachandran &amp; Le 2019;
    /// the Gumbel-Matrix code's <c>get_omniglot_order()</c>); the multi-task benchmark uses the first 20.
    /// </summary>
    public static IReadOnlyList<string> AlphabetOrder { get; } =
    [
        "Gujarati", "Sylheti", "Arcadian", "Tibetan", "Old_Church_Slavonic_(Cyrillic)", "Angelic", "Malay_(Jawi_-_Arabic)",
        "Sanskrit", "Cyrillic", "Anglo-Saxon_Futhorc", "Syriac_(Estrangelo)", "Ge_ez", "Japanese_(katakana)", "Keble",
        "Manipuri", "Alphabet_of_the_Magi", "Gurmukhi", "Korean", "Early_Aramaic", "Atemayar_Qelisayer",
        "Tagalog", "Mkhedruli_(Georgian)", "Inuktitut_(Canadian_Aboriginal_Syllabics)", "Tengwar", "Hebrew", "N_Ko",
        "Grantha", "Latin", "Syriac_(Serto)", "Tifinagh", "Balinese", "Mongolian", "ULOG", "Futurama", "Malayalam", "Oriya",
        "Ojibwe_(Canadian_Aboriginal_Syllabics)", "Avesta", "Kannada", "Bengali", "Japanese_(hiragana)", "Armenian",
        "Aurek-Besh", "Glagolitic", "Asomtavruli_(Georgian)", "Greek", "Braille", "Burmese_(Myanmar)",
        "Blackfoot_(Canadian_Aboriginal_Syllabics)", "Atlantean",
    ];

    private static readonly string[] SortedNames = [.. AlphabetOrder.Order(StringComparer.Ordinal)];

    /// <summary>
    /// The id of alphabet <paramref name="name"/>: its index among the 50 names sorted ordinally (TensorFlow Datasets'
    /// alphabet label, the split seed of the Gumbel-Matrix code); −1 for an unknown name.
    /// </summary>
    public static int AlphabetId(string name) => Array.IndexOf(SortedNames, name);

    /// <summary>
    /// The folder holding the two archives: <paramref name="path"/> itself, or its <c>omniglot</c> subfolder.
    /// </summary>
    public static string Folder(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string sub = Path.Combine(path, "omniglot");
        return !File.Exists(Path.Combine(path, BackgroundFile)) && File.Exists(Path.Combine(sub, BackgroundFile)) ? sub : path;
    }

    /// <summary>
    /// Loads <paramref name="alphabets"/> (names as in <see cref="AlphabetOrder"/>), in that order, from the archives
    /// in <paramref name="folder"/> (see <see cref="Folder"/>), at <paramref name="size"/>×<paramref name="size"/>
    /// pixels (105: as stored; smaller: area-averaged).
    /// </summary>
    public static IReadOnlyList<OmniglotAlphabet> Load(string folder, IReadOnlyList<string> alphabets, int size = ImageSide)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(alphabets);
        if (size < 1 || size > ImageSide)
        {
            throw new ArgumentException($"Omniglot: the image side must lie in 1…{ImageSide}, got {size}.");
        }

        string dir = Folder(folder);
        var wanted = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < alphabets.Count; i++)
        {
            if (AlphabetId(alphabets[i]) < 0)
            {
                throw new ArgumentException($"Omniglot has no alphabet '{alphabets[i]}'; the alphabets are: {string.Join(", ", AlphabetOrder)}.");
            }

            if (!wanted.TryAdd(alphabets[i], i))
            {
                throw new ArgumentException($"Omniglot: alphabet '{alphabets[i]}' is listed twice.");
            }
        }

        // Per wanted alphabet: character number → drawer number → pixels.
        var found = new Dictionary<int, float[]?[]>?[alphabets.Count];
        var resize = new AreaResize(ImageSide, size);
        foreach (string file in new[] { BackgroundFile, EvaluationFile })
        {
            ReadArchive(Path.Combine(dir, file), wanted, found, resize);
        }

        var result = new OmniglotAlphabet[alphabets.Count];
        int px = size * size;
        for (int a = 0; a < alphabets.Count; a++)
        {
            var chars = found[a];
            if (chars is null || chars.Count == 0)
            {
                throw new InvalidDataException($"Omniglot: neither {Path.Combine(dir, BackgroundFile)} nor {Path.Combine(dir, EvaluationFile)} holds alphabet '{alphabets[a]}'.");
            }

            int count = chars.Keys.Max();
            var pixels = new float[count * DrawingsPerCharacter * px];
            for (int c = 1; c <= count; c++)
            {
                if (!chars.TryGetValue(c, out var drawings))
                {
                    throw new InvalidDataException($"Omniglot alphabet '{alphabets[a]}': character{c.ToString("00", CultureInfo.InvariantCulture)} is missing (characters run to {count}).");
                }

                for (int d = 0; d < DrawingsPerCharacter; d++)
                {
                    var img = drawings[d] ?? throw new InvalidDataException(
                        $"Omniglot alphabet '{alphabets[a]}', character{c.ToString("00", CultureInfo.InvariantCulture)}: drawing {(d + 1).ToString("00", CultureInfo.InvariantCulture)} is missing (expected {DrawingsPerCharacter} drawings, _01 … _20).");
                    img.CopyTo(pixels.AsSpan((((c - 1) * DrawingsPerCharacter) + d) * px));
                }
            }

            result[a] = new OmniglotAlphabet(alphabets[a], AlphabetId(alphabets[a]), count, size, pixels);
        }

        return result;
    }

    /// <summary>
    /// Every alphabet in the two archives of <paramref name="folder"/> with its number of character folders and of
    /// drawings (PNG entries), from the zip directories alone (nothing is decoded).
    /// </summary>
    public static IReadOnlyDictionary<string, (int Characters, int Drawings)> Inventory(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string dir = Folder(folder);
        var chars = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var drawings = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string file in new[] { BackgroundFile, EvaluationFile })
        {
            string path = Path.Combine(dir, file);
            using var zip = OpenArchive(path);
            foreach (var entry in Entries(zip, path))
            {
                string[] parts = entry.FullName.Split('/');
                if (entry.FullName.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && parts.Length >= 3)
                {
                    string alphabet = parts[^3];
                    if (!chars.TryGetValue(alphabet, out var set))
                    {
                        set = new HashSet<string>(StringComparer.Ordinal);
                        chars[alphabet] = set;
                    }

                    set.Add(parts[^2]);
                    drawings[alphabet] = drawings.GetValueOrDefault(alphabet) + 1;
                }
            }
        }

        return chars.ToDictionary(kv => kv.Key, kv => (kv.Value.Count, drawings[kv.Key]), StringComparer.Ordinal);
    }

    private static ZipArchive OpenArchive(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Omniglot archive not found: {path}; fetch it with `mtl download omniglot --data DIR`.", path);
        }

        try
        {
            return new ZipArchive(File.OpenRead(path), ZipArchiveMode.Read, leaveOpen: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a readable zip archive ({e.Message})", e);
        }
    }

    private static IReadOnlyCollection<ZipArchiveEntry> Entries(ZipArchive zip, string path)
    {
        try
        {
            return zip.Entries;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: the zip directory is damaged ({e.Message})", e);
        }
    }

    private static void ReadArchive(string path, Dictionary<string, int> wanted, Dictionary<int, float[]?[]>?[] found, AreaResize resize)
    {
        string file = Path.GetFileName(path);
        using var zip = OpenArchive(path);
        {
            var entries = Entries(zip, path);
            foreach (var entry in entries)
            {
                string name = entry.FullName;
                if (name.EndsWith('/') || !name.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                string[] parts = name.Split('/');
                if (parts.Length < 3)
                {
                    continue;
                }

                string alphabet = parts[^3], character = parts[^2], image = parts[^1];
                if (!wanted.TryGetValue(alphabet, out int a))
                {
                    continue;
                }

                string where = $"{file}, entry {name}";
                int c = CharacterNumber(character, where);
                int d = DrawerNumber(image, where);
                var chars = found[a] ??= [];
                if (!chars.TryGetValue(c, out var drawings))
                {
                    drawings = new float[DrawingsPerCharacter][];
                    chars[c] = drawings;
                }

                if (drawings[d - 1] is not null)
                {
                    throw new InvalidDataException($"{where}: a second drawing by drawer {d.ToString("00", CultureInfo.InvariantCulture)} of {alphabet}/{character}.");
                }

                drawings[d - 1] = Decode(ReadEntry(entry, path), $"{path}, entry {name}", resize);
            }
        }
    }

    private static int CharacterNumber(string folder, string where)
    {
        const string prefix = "character";
        if (!folder.StartsWith(prefix, StringComparison.Ordinal)
            || !int.TryParse(folder.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int c) || c < 1)
        {
            throw new InvalidDataException($"{where}: expected a character folder named characterNN (NN ≥ 1), got '{folder}'.");
        }

        return c;
    }

    private static int DrawerNumber(string image, string where)
    {
        string stem = Path.GetFileNameWithoutExtension(image);
        int us = stem.LastIndexOf('_');
        if (us < 0 || !int.TryParse(stem.AsSpan(us + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int d) || d < 1 || d > DrawingsPerCharacter)
        {
            throw new InvalidDataException($"{where}: expected an image named IIII_DD.png with drawer DD in 01…{DrawingsPerCharacter}, got '{image}'.");
        }

        return d;
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, string path)
    {
        try
        {
            using var s = entry.Open();
            using var m = new MemoryStream((int)Math.Min(entry.Length, 1 << 20));
            s.CopyTo(m);
            return m.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}, entry {entry.FullName}: the compressed data is damaged ({e.Message})", e);
        }
    }

    /// <summary>Decodes a PNG to grey, checks it is 105×105, inverts it to [0, 1] with background 0 and resizes.</summary>
    internal static float[] Decode(byte[] png, string where, AreaResize resize)
    {
        ImageResult image;
        try
        {
            var info = ImageInfo.FromStream(new MemoryStream(png))
                ?? throw new InvalidDataException($"{where}: not a PNG image (unrecognised content).");
            if (info.Width != ImageSide || info.Height != ImageSide)
            {
                throw new InvalidDataException($"{where}: expected a {ImageSide}×{ImageSide} drawing, got {info.Width}×{info.Height}.");
            }

            image = ImageResult.FromMemory(png, ColorComponents.Grey);
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"{where}: not a decodable PNG image ({e.Message})", e);
        }

        if (image.Width != ImageSide || image.Height != ImageSide || image.Data is null || image.Data.Length < ImageSide * ImageSide)
        {
            throw new InvalidDataException($"{where}: the decoded image is not {ImageSide}×{ImageSide} grey pixels.");
        }

        var full = new float[ImageSide * ImageSide];
        for (int i = 0; i < full.Length; i++)
        {
            full[i] = 1f - (image.Data[i] / 255f);
        }

        return resize.Apply(full);
    }
}
