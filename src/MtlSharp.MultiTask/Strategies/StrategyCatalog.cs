using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Weighting;

namespace MtlSharp.MultiTask.Strategies;

/// <summary>
/// Every loss weighting and gradient aggregator with its options, defaults and paper (what <c>mtl list</c> prints).
/// The defaults are the constants the factories use; a test keeps this list, the factories and the name table equal.
/// </summary>
public static class StrategyCatalog
{
    private static readonly (string, double, string)[] NoOptions = [];

    /// <summary>Every strategy, weightings first.</summary>
    public static IReadOnlyList<StrategyInfo> All { get; } =
    [
        new("fixed", "weighting", "Σ L_i", "—", NoOptions),
        new("uncertainty", "weighting", "Σ ½e^(−s_i) L_i + ½ n_i s_i with learned log-variances s", "Kendall et al. 2018, Multi-Task Learning Using Uncertainty to Weigh Losses", NoOptions),
        new("gls", "weighting", "geometric mean of the losses", "Chennupati et al. 2019, MultiNet++", NoOptions),
        new("imtl-l", "weighting", "Σ e^(s_i) L_i − s_i with learned s", "Liu et al. 2021, Towards Impartial Multi-task Learning", NoOptions),
        new("rlw", "weighting", "random softmax weights each step", "Lin et al. 2022, Reasonable Effectiveness of Random Weighting", NoOptions),
        new("dwa", "weighting", "weights from each task's loss ratio over the last two epochs", "Liu et al. 2019, End-to-End Multi-Task Learning with Attention", [("temperature", DwaWeighting.DefaultTemperature, "softmax temperature")]),
        new("dbmtl-log", "weighting", "Σ log(L_i + ε)", "Lin et al. 2023, Dual-Balancing for Multi-Task Learning", NoOptions),
        new("stch", "weighting", "smooth Tchebycheff μ log Σ exp(L_i/μ)", "Lin et al. 2024, Smooth Tchebycheff Scalarization for Multi-Objective Optimization", [("mu", SmoothTchebycheffWeighting.DefaultMu, "smoothing μ"), ("warmup", 0, "updates of plain-sum training that estimate the nadir point the losses are then normalised by (0: none)")]),
        new("famo", "weighting", "softmax(ξ)-weighted log-losses, ξ learned from the observed loss decreases", "Liu et al. 2023, FAMO: Fast Adaptive Multitask Optimization", [("lr", FamoWeighting.DefaultLearningRate, "Adam learning rate of ξ"), ("gamma", FamoWeighting.DefaultWeightDecay, "weight decay of ξ")]),
        new("mean", "aggregator", "the mean gradient", "—", NoOptions),
        new("pcgrad", "aggregator", "projects conflicting gradients off each other (random order) and sums", "Yu et al. 2020, Gradient Surgery for Multi-Task Learning", NoOptions),
        new("mgda", "aggregator", "min-norm point of the gradients' convex hull (exact QP)", "Sener & Koltun 2018, Multi-Task Learning as Multi-Objective Optimization", NoOptions),
        new("cagrad", "aggregator", "best worst-task improvement within c‖g₀‖ of the mean", "Liu et al. 2021, Conflict-Averse Gradient Descent for Multi-task Learning", [("c", CaGradAggregator.DefaultC, "radius factor"), ("rescale", 1, "1: divide by 1 + c²; 0: do not")]),
        new("upgrad", "aggregator", "mean projection onto the dual cone: never conflicts with a task", "Quinton & Rey 2024, Jacobian Descent for Multi-Objective Optimization", NoOptions),
        new("imtlg", "aggregator", "equal projections on every unit task gradient", "Liu et al. 2021, Towards Impartial Multi-task Learning", NoOptions),
        new("alignedmtl", "aggregator", "aligned (orthogonal, equal-norm) gradients from the Gram eigendecomposition", "Senushkin et al. 2023, Independent Component Alignment for Multi-Task Learning", NoOptions),
        new("config", "aggregator", "the direction of equal cosine with every task gradient", "Liu et al. 2024, ConFIG: Towards Conflict-free Training of Physics Informed Neural Networks", NoOptions),
        new("graddrop", "aggregator", "per coordinate keeps one sign, drawn by sign purity", "Chen et al. 2020, Just Pick a Sign (GradDrop)", NoOptions),
        new("nashmtl", "aggregator", "Nash bargaining: G Gᵀ α = 1/α, d = Σ α_i g_i", "Navon et al. 2022, Multi-Task Learning as a Bargaining Game", NoOptions),
        new("fairgrad", "aggregator", "α-fair utilities: G Gᵀ w = w^(−1/α)", "Ban & Ji 2024, Fair Resource Allocation in Multi-Task Learning", [("alpha", FairGradAggregator.DefaultAlpha, "fairness exponent (1 = Nash-MTL)")]),
        new("gradvac", "aggregator", "raises each pair's cosine to its moving-average target", "Wang et al. 2021, Gradient Vaccine", [("beta", GradVacAggregator.DefaultBeta, "EMA rate of the targets")]),
        new("dbmtl", "aggregator", "log-loss gradients, EMA-smoothed, normalised and scaled to the largest norm", "Lin et al. 2023, Dual-Balancing for Multi-Task Learning", [("beta", DbMtlAggregator.DefaultBeta, "EMA rate"), ("sigma", DbMtlAggregator.DefaultSigma, "decay exponent of β / k^σ")]),
        new("great", "aggregator", "task-alignment vectors trained against a classifier of which task a gradient came from", "Sinha et al. 2018, Gradient Adversarial Training of Neural Networks", [("lr", GreatAggregator.DefaultLearningRate, "Adam learning rate of the classifier and the alignment vectors")]),
        new("gradnorm", "aggregator", "learned weights equalising weighted gradient norms by training rate", "Chen et al. 2018, GradNorm", [("alpha", GradNormAggregator.DefaultAlpha, "asymmetry α"), ("lr", GradNormAggregator.DefaultLearningRate, "learning rate of the weights")]),
    ];
}
