using MtlSharp.Testing;

namespace MtlSharp.Export.Tests;

/// <summary>
/// A theory that needs a folder of the shared datasets (<see cref="Fixtures.DatasetsDir"/>); it is skipped, with a
/// message naming the missing folder, only when that folder is absent.
/// </summary>
public sealed class DatasetTheoryAttribute : TheoryAttribute
{
    public DatasetTheoryAttribute(string folder)
    {
        string path = Path.Combine(Fixtures.DatasetsDir, folder);
        if (!Directory.Exists(path))
        {
            Skip = $"Shared dataset folder {path} is absent (expected shared/datasets above the repository root).";
        }
    }
}
