using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>Decides which of a layer's components each task uses.</summary>
public interface IRouter
{
    /// <summary>Tasks T.</summary>
    int Tasks { get; }

    /// <summary>Components C.</summary>
    int Components { get; }

    /// <summary>The learned allocation logits [T, C, 2], or null for a fixed allocation.</summary>
    Tensor? Logits { get; }

    /// <summary>A training-time allocation row z [C] for the context's task (differentiable for a learned router).</summary>
    Tensor Sample(in RoutingContext ctx);

    /// <summary>The hard evaluation-time row for the context's task (0/1 per component).</summary>
    float[] EvaluationRow(in RoutingContext ctx);

    /// <summary>The maximum-likelihood allocation matrix [T][C] of 0/1.</summary>
    int[][] MaximumLikelihood();

    /// <summary>Allocation probabilities [T][C] (0/1 for a fixed allocation).</summary>
    double[][] Probabilities();
}
