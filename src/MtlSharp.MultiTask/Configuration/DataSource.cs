namespace MtlSharp.MultiTask.Configuration;

/// <summary>A configuration's data source (<c>data.type</c>): csv, idx-images, multi-mnist, omniglot, image-tasks, ud-english-ewt, synthetic or multi-input.</summary>
public abstract record DataSource;
