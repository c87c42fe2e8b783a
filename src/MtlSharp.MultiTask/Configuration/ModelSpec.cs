namespace MtlSharp.MultiTask.Configuration;

/// <summary>A configuration's model (<c>model.type</c>): routed, mmoe, ple or tagger.</summary>
public abstract record ModelSpec;
