using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// The per-example DSelect-k gate (Hazimeh et al. 2021, "DSelect-k: Differentiable Selection in the Mixture of
/// Experts with Applications to Multi-Task Learning"): k selectors, each with m = ⌈log₂ E⌉ logits z = x W_zᵀ + b_z
/// passed through the smooth step S(t) = 0 (t ≤ −γ/2), 1 (t ≥ γ/2), −2t³/γ³ + 3t/(2γ) + ½ between; selector i
/// weighs expert e by r_{i,e} = Π_l (S(z_{i,l}) if bit l of e is 1 else 1 − S(z_{i,l})) (bit 0 the most significant,
/// as the authors' binary codes); the gate is Σ_i α_i r_i with α = softmax(x W_αᵀ + b_α) over the selectors.
/// </summary>
/// <remarks>
/// Initialisation as the authors' code: W_z, b_z uniform in ±γ/100 (every selector starts near uniform), W_α, b_α
/// uniform in ±0.05. With E not a power of two the selectors can put weight on codes ≥ E; those are dropped, so a
/// row's weights sum to Σ_e r (≤ 1), and the regulariser adds mean(1/Σ_e r_i − 1) per selector to push it back.
/// S is computed as the cubic of clamp(t, −γ/2, γ/2) (the clamp as ReLU(t + γ/2) − ReLU(t − γ/2) − γ/2), whose
/// derivative is the smooth step's, zero outside the transition. Selector outputs of training passes are kept for
/// <see cref="TakeSelectors"/>.
/// </remarks>
internal sealed class DSelectGate : Module, IExpertGate
{
    private readonly Parameter _zWeight;
    private readonly Parameter _zBias;
    private readonly Parameter _aWeight;
    private readonly Parameter _aBias;
    private readonly Tensor[] _bitSign;   // per bit l: [E, 1] of 2b − 1
    private readonly Tensor[] _bitBase;   // per bit l: [E] of 1 − b
    private readonly List<Tensor> _recorded = [];

    public DSelectGate(int inFeatures, int experts, DSelectOptions options, ParameterKind kind, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(experts, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Selectors, 1);
        if (!(options.Gamma > 0f) || !float.IsFinite(options.Gamma))
        {
            throw new ArgumentException($"DSelect-k's γ must be positive, got {options.Gamma}.", nameof(options));
        }

        Experts = experts;
        Selectors = options.Selectors;
        Gamma = options.Gamma;
        Bits = (int)Math.Ceiling(Math.Log2(experts));
        float zr = options.Gamma / 100f;
        _zWeight = RegisterParameter("z_weight", Tensor.Uniform(new Shape(Selectors * Bits, inFeatures), -zr, zr, rng), kind);
        _zBias = RegisterParameter("z_bias", Tensor.Uniform(new Shape(Selectors * Bits), -zr, zr, rng), kind);
        _aWeight = RegisterParameter("alpha_weight", Tensor.Uniform(new Shape(Selectors, inFeatures), -0.05f, 0.05f, rng), kind);
        _aBias = RegisterParameter("alpha_bias", Tensor.Uniform(new Shape(Selectors), -0.05f, 0.05f, rng), kind);
        _bitSign = new Tensor[Bits];
        _bitBase = new Tensor[Bits];
        for (int l = 0; l < Bits; l++)
        {
            var sign = new float[experts];
            var @base = new float[experts];
            for (int e = 0; e < experts; e++)
            {
                int b = Bit(e, l);
                sign[e] = (2 * b) - 1;
                @base[e] = 1 - b;
            }

            _bitSign[l] = Tensor.FromArray(sign, experts, 1);
            _bitBase[l] = Tensor.FromArray(@base, experts);
        }
    }

    /// <inheritdoc/>
    public int Experts { get; }

    /// <summary>k.</summary>
    public int Selectors { get; }

    /// <summary>γ.</summary>
    public float Gamma { get; }

    /// <summary>m = ⌈log₂ E⌉ bits per selector.</summary>
    public int Bits { get; }

    /// <summary>Whether E is a power of two (every code names an expert).</summary>
    public bool PowerOfTwo => 1 << Bits == Experts;

    /// <summary>Selector logits: weight [k·m, in] and bias (for exporters).</summary>
    public (Parameter Weight, Parameter Bias) SelectorLogits => (_zWeight, _zBias);

    /// <summary>Selector mixing logits: weight [k, in] and bias (for exporters).</summary>
    public (Parameter Weight, Parameter Bias) MixingLogits => (_aWeight, _aBias);

    /// <summary>Bit <paramref name="l"/> (0 = most significant) of expert <paramref name="e"/>'s m-bit code.</summary>
    public int Bit(int e, int l) => (e >> (Bits - 1 - l)) & 1;

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training)
    {
        ArgumentNullException.ThrowIfNull(x);
        var selectors = SelectorOutputs(x);   // k × [N, E]
        var alpha = Ops.Softmax(Ops.Linear(x, _aWeight.Value, _aBias.Value), 1);   // [N, k]
        Tensor? weights = null;
        for (int i = 0; i < Selectors; i++)
        {
            var term = Ops.Mul(selectors[i], Ops.Slice(alpha, 1, i, 1));
            weights = weights is null ? term : Ops.Add(weights, term);
        }

        if (training)
        {
            _recorded.AddRange(selectors);
        }

        return weights!;
    }

    /// <summary>Each selector's weights r_i [N, E] on x [N, in].</summary>
    public Tensor[] SelectorOutputs(Tensor x)
    {
        int n = x.Shape[0];
        float h = Gamma / 2f;
        var z = Ops.Linear(x, _zWeight.Value, _zBias.Value);   // [N, k·m]
        var c = Ops.AddScalar(Ops.Sub(Ops.Relu(Ops.AddScalar(z, h)), Ops.Relu(Ops.AddScalar(z, -h))), -h);
        var s = Ops.AddScalar(Ops.Add(Ops.Scale(Ops.Mul(Ops.Square(c), c), -2f / (Gamma * Gamma * Gamma)), Ops.Scale(c, 1.5f / Gamma)), 0.5f);
        var flat = Ops.Reshape(s, n * Selectors, Bits);   // row n·k + i: selector i of example n
        Tensor? r = null;
        for (int l = 0; l < Bits; l++)
        {
            var factor = Ops.Linear(Ops.Slice(flat, 1, l, 1), _bitSign[l], _bitBase[l]);   // [N·k, E]: S or 1 − S by bit
            r = r is null ? factor : Ops.Mul(r, factor);
        }

        var perRow = Ops.Reshape(r!, n, Selectors * Experts);
        return Enumerable.Range(0, Selectors).Select(i => Ops.Slice(perRow, 1, i * Experts, Experts)).ToArray();
    }

    /// <summary>The selector outputs recorded by training passes since the last call, and forgets them.</summary>
    public IReadOnlyList<Tensor> TakeSelectors()
    {
        var taken = _recorded.ToArray();
        _recorded.Clear();
        return taken;
    }
}
