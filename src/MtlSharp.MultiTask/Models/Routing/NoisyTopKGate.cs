using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// The per-example router of one layer (noisy top-k gating, Shazeer et al. 2017, as Ramachandran &amp; Le 2019 use
/// it): from an input summary s [N, D] (the layer input, globally average-pooled for images),
/// h = s·W_gᵀ + b_task + ε ⊙ softplus(s·W_nᵀ) with ε ~ N(0, 1) only while training; the k largest entries of each
/// row are kept and softmax-normalised, the rest are 0. All parameters (W_g, W_n: [C, D]; b: [T, C], one bias row
/// per task so the router can also use the task's identity) start at zero and are
/// <see cref="ParameterKind.Routing"/> parameters. Without noise (<c>noisy: false</c>, configuration key
/// <c>gateNoise</c>) training uses the evaluation gates, h = s·W_gᵀ + b_task, and W_n does not exist.
/// </summary>
public sealed class NoisyTopKGate : Module
{
    private const float Masked = -1e30f;
    private readonly Parameter _weight;
    private readonly Parameter? _noise;
    private readonly Parameter _taskBias;

    /// <summary>
    /// Creates the gate for <paramref name="components"/> components, keeping <paramref name="k"/> per example; with
    /// <paramref name="noisy"/> false no noise is added in training.
    /// </summary>
    public NoisyTopKGate(int inputWidth, int tasks, int components, int k, bool noisy = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tasks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        if (k < 1 || k > components)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"top-k needs 1 ≤ k ≤ {components} components, got {k}.");
        }

        InputWidth = inputWidth;
        Components = components;
        K = k;
        _weight = RegisterParameter("weight", Tensor.Zeros(components, inputWidth), ParameterKind.Routing);
        _noise = noisy ? RegisterParameter("noise", Tensor.Zeros(components, inputWidth), ParameterKind.Routing) : null;
        _taskBias = RegisterParameter("taskBias", Tensor.Zeros(tasks, components), ParameterKind.Routing);
    }

    /// <summary>Width D of the input summary.</summary>
    public int InputWidth { get; }

    /// <summary>Components C.</summary>
    public int Components { get; }

    /// <summary>Components kept per example.</summary>
    public int K { get; }

    /// <summary>Whether training adds the learned noise ε ⊙ softplus(s·W_nᵀ).</summary>
    public bool Noisy => _noise is not null;

    /// <summary>W_g [C, D] (for exporters).</summary>
    internal Parameter Weight => _weight;

    /// <summary>The per-task biases [T, C] (for exporters).</summary>
    internal Parameter TaskBias => _taskBias;

    /// <summary>
    /// The gates [N, C] for summaries <paramref name="summary"/> [N, D] of task <paramref name="task"/>: k non-zero
    /// softmax weights per row; noisy when <paramref name="training"/> (noise drawn from <paramref name="rng"/>, for
    /// the whole batch when <paramref name="rows"/> is a share of one: the share's rows of it are used).
    /// </summary>
    public Tensor Forward(Tensor summary, int task, bool training, Rng rng, RowShare rows = default)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(rng);
        ShapeMismatchException.Require(summary.Rank == 2 && summary.Shape[1] == InputWidth, "NoisyTopKGate", $"summary [N, {InputWidth}]", summary.Shape);
        int n = summary.Shape[0], c = Components;
        Tensor h = Ops.Add(Ops.Linear(summary, _weight.Value, null), Ops.Slice(_taskBias.Value, 0, task, 1));
        if (training && _noise is not null)
        {
            // Ops.Softplus has the true derivative σ(0) = 1/2 at 0, so W_n (which starts at 0) learns.
            Tensor std = Ops.Softplus(Ops.Linear(summary, _noise.Value, null));
            var eps = Tensor.Zeros(n, c);
            if (rows.IsWhole)
            {
                rng.FillNormal(eps.Span, 0f, 1f);
            }
            else
            {
                rows.Check(n, "NoisyTopKGate");
                var whole = Tensor.Zeros(rows.Total, c);
                rng.FillNormal(whole.Span, 0f, 1f);
                rows.Take(whole.Span, eps.Span, c);
            }
            h = Ops.Add(h, Ops.Mul(eps, std));
        }

        var mask = Tensor.Zeros(n, c);
        if (K < c)
        {
            ReadOnlySpan<float> hs = h.Span;
            Span<float> ms = mask.Span;
            Span<int> order = stackalloc int[c];
            for (int r = 0; r < n; r++)
            {
                var row = hs.Slice(r * c, c);
                for (int j = 0; j < c; j++)
                {
                    order[j] = j;
                }

                // Partial selection sort: the first K of order become the K largest (ties: lower index first).
                for (int i = 0; i < K; i++)
                {
                    int best = i;
                    for (int j = i + 1; j < c; j++)
                    {
                        if (row[order[j]] > row[order[best]])
                        {
                            best = j;
                        }
                    }

                    (order[i], order[best]) = (order[best], order[i]);
                }

                for (int i = K; i < c; i++)
                {
                    ms[(r * c) + order[i]] = Masked;
                }
            }
        }

        return Ops.Softmax(K < c ? Ops.Add(h, mask) : h, 1);
    }
}
