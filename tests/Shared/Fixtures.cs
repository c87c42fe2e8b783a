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

    private static readonly Lazy<string> Datasets = new(FindDatasets);

    /// <summary>
    /// The shared datasets folder: the first <c>shared/datasets</c> found walking up from the repository root
    /// (the root itself, then its parent, …). For the main checkout and CI that is <c>../shared/datasets</c>
    /// beside the checkout; from a worktree such as <c>/work/wt/x</c> it finds <c>/work/shared/datasets</c>.
    /// When none exists, this is <c>../shared/datasets</c> (which does not exist).
    /// </summary>
    public static string DatasetsDir => Datasets.Value;

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

    private static string FindDatasets()
    {
        for (var dir = new DirectoryInfo(RepoRoot); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "datasets");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "datasets"));
    }

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
