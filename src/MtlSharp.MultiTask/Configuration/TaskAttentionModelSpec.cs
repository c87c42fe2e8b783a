namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Task attention (<c>model.type</c> "mtan"): one shared MLP of widths <c>ExpertSizes</c> whose every layer's features
/// each task reads through its own learned soft-attention mask (<see cref="Models.Experts.TaskAttentionNetwork"/>).
/// </summary>
public sealed record TaskAttentionModelSpec : ExpertModelSpec;
