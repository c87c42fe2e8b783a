namespace MtlSharp.Data.Download;

/// <summary>
/// One file of a data set: where it goes (relative to the data set's folder), its known SHA-256, its size when
/// known, and the URLs to try, in order.
/// </summary>
/// <param name="FileName">File name (or relative path) inside the data set folder.</param>
/// <param name="Sha256">Expected SHA-256 of the file's bytes, lowercase hex.</param>
/// <param name="Size">Expected size in bytes when known (used for progress when the server sends no length).</param>
/// <param name="Urls">Source URLs, tried in order until one succeeds.</param>
public sealed record DatasetFile(string FileName, string Sha256, long? Size, IReadOnlyList<Uri> Urls);
