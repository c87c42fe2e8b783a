namespace MtlSharp.Data.Download;

/// <summary>A downloadable data set: a folder name under the data directory and its files.</summary>
/// <param name="Name">Display name.</param>
/// <param name="Folder">Folder under the data directory (e.g. <c>mnist</c>, as in <c>shared/datasets</c>).</param>
/// <param name="Files">The files, each with its checksum and URLs.</param>
public sealed record DatasetSpec(string Name, string Folder, IReadOnlyList<DatasetFile> Files);
