namespace MtlSharp.MultiTask.Configuration;

/// <summary>The kind of a dataset of image-tasks data (<c>data.datasets.NAME.type</c>).</summary>
public enum ImageDatasetKind
{
    /// <summary>IDX files (MNIST, Fashion-MNIST): <c>idx-images</c>.</summary>
    Idx,

    /// <summary>Omniglot's two zip archives: <c>omniglot</c>.</summary>
    Omniglot,
}
