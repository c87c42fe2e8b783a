namespace MtlSharp.MultiTask.Configuration;

/// <summary>How a shared pooling stage reduces each window.</summary>
public enum PoolingKind
{
    /// <summary>The mean of the window (<c>avgpool</c>).</summary>
    Average,

    /// <summary>The maximum of the window (<c>maxpool</c>).</summary>
    Max,
}
