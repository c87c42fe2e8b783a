namespace MtlSharp.MultiTask.Configuration;

/// <summary>One stage of a routed model: mlp, conv, group, modules (routed) or avgpool, maxpool, sharedconv, norm (shared).</summary>
public abstract record LayerSpec;
