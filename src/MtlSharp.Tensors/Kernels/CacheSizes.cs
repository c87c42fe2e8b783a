using System.Globalization;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Per-core L1 data and L2 cache sizes read once from <c>/sys/devices/system/cpu/cpu0/cache</c> (Linux), with
/// common defaults (32 KiB, 1 MiB) where they cannot be read. Used to size GEMM blocks; never changes results.
/// </summary>
internal static class CacheSizes
{
    private const string Root = "/sys/devices/system/cpu/cpu0/cache";

    static CacheSizes()
    {
        int l1 = 32 << 10, l2 = 1 << 20;
        try
        {
            if (Directory.Exists(Root))
            {
                foreach (string dir in Directory.GetDirectories(Root, "index*"))
                {
                    string level = Read(dir, "level");
                    string type = Read(dir, "type");
                    int size = ParseSize(Read(dir, "size"));
                    if (size <= 0)
                    {
                        continue;
                    }

                    if (level == "1" && type == "Data")
                    {
                        l1 = size;
                    }
                    else if (level == "2" && type is "Unified" or "Data")
                    {
                        l2 = size;
                    }
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        L1Data = l1;
        L2 = l2;
    }

    /// <summary>L1 data cache bytes per core.</summary>
    public static int L1Data { get; }

    /// <summary>L2 cache bytes per core.</summary>
    public static int L2 { get; }

    /// <summary>"L1d 48 KiB, L2 2048 KiB".</summary>
    public static string Describe() => string.Create(CultureInfo.InvariantCulture, $"L1d {L1Data >> 10} KiB, L2 {L2 >> 10} KiB");

    private static string Read(string dir, string file)
    {
        string path = Path.Combine(dir, file);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : "";
    }

    /// <summary>"48K", "2048K", "1M" or plain bytes; 0 when unreadable.</summary>
    internal static int ParseSize(string text)
    {
        if (text.Length == 0)
        {
            return 0;
        }

        int scale = char.ToUpperInvariant(text[^1]) switch { 'K' => 1 << 10, 'M' => 1 << 20, _ => 1 };
        string digits = scale == 1 ? text : text[..^1];
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v <= int.MaxValue / scale ? v * scale : 0;
    }
}
