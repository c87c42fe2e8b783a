namespace MtlSharp.Cli.Tests;

/// <summary>
/// A fact that needs UD English-EWT in the shared datasets (<c>../shared/datasets/ud-english-ewt</c> beside the
/// repository); skipped, naming the missing folder, only when it is absent.
/// </summary>
public sealed class EwtFactAttribute : FactAttribute
{
    public EwtFactAttribute()
    {
        if (!Directory.Exists(Path.Combine(DatasetsDir, "ud-english-ewt")))
        {
            Skip = $"Shared dataset folder {Path.Combine(DatasetsDir, "ud-english-ewt")} is absent.";
        }
    }

    /// <summary>The shared datasets folder.</summary>
    public static string DatasetsDir => Path.GetFullPath(Path.Combine(Mtl.RepositoryRoot, "..", "shared", "datasets"));
}
