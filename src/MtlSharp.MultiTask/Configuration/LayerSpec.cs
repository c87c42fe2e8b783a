namespace MtlSharp.MultiTask.Configuration;

/// <summary>One stage of a routed model: mlp, conv, group (routed) or avgpool, maxpool (shared).</summary>
public abstract record LayerSpec;
