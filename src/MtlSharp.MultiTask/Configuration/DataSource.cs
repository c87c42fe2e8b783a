namespace MtlSharp.MultiTask.Configuration;

/// <summary>A configuration's data source (<c>data.type</c>): csv, idx-images, multi-mnist, omniglot, ud-english-ewt or synthetic.</summary>
public abstract record DataSource;
