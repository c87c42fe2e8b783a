using System.Text.Json;
using MtlSharp.Tensors;

namespace MtlSharp.Testing;

/// <summary>
/// Loads the PyTorch reference fixtures under <c>tests/fixtures/</c> (written by the <c>gen_*.py</c> scripts there)
/// and locates the shared datasets.
/// </summary>
/// <remarks>
/// Fixture JSON convention: a tensor is <c>{"shape": [..], "data": [..]}</c> (row-major floats); integer lists are
/// plain arrays; scalars are numbers.
/// </remarks>
internal static class Fixtures
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The repository root (the folder holding MtlSharp.slnx).</summary>
    public static string RepoRoot => Root.Value;

    /// <summary>The shared datasets folder beside the checkout (<c>../shared/datasets</c>).</summary>
    public static string DatasetsDir => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "datasets"));

    /// <summary>Parses <c>tests/fixtures/{relativePath}</c>.</summary>
    public static JsonElement Load(string relativePath)
    {
        string path = Path.Combine(RepoRoot, "tests", "fixtures", relativePath);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    /// <summary>A fixture tensor as a fresh <see cref="Tensor"/>.</summary>
    public static Tensor ToTensor(JsonElement e, bool requiresGrad = false)
    {
        int[] shape = e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        float[] data = Floats(e.GetProperty("data"));
        var t = Tensor.FromArray(data, shape);
        t.RequiresGrad = requiresGrad;
        return t;
    }

    /// <summary>A JSON number array as floats (or the "data" of a tensor object).</summary>
    public static float[] Floats(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object ? Floats(e.GetProperty("data")) : e.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();

    /// <summary>A JSON integer array.</summary>
    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MtlSharp.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (MtlSharp.slnx) above " + AppContext.BaseDirectory);
    }
}
