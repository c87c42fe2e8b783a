using MtlSharp.Tensors;

namespace MtlSharp.NN.Init;

/// <summary>
/// In-place initialisers with PyTorch's <c>torch.nn.init</c> formulas (fans, gains, bounds), drawing from an
/// explicit <see cref="Rng"/>. Samples differ from PyTorch's (another generator); distributions match.
/// </summary>
public static class TensorInit
{
    /// <summary>√5: the <c>a</c> PyTorch's Linear/Conv use in <c>kaiming_uniform_</c>, giving U(±1/√fan_in).</summary>
    public static readonly float PyTorchDefaultA = MathF.Sqrt(5f);

    /// <summary>
    /// (fan_in, fan_out) of a weight of shape [out, in, *kernel]: fan_in = in·∏kernel, fan_out = out·∏kernel
    /// (PyTorch's <c>_calculate_fan_in_and_fan_out</c>). Needs rank ≥ 2.
    /// </summary>
    public static (int FanIn, int FanOut) Fans(Shape shape)
    {
        if (shape.Rank < 2)
        {
            throw new ArgumentException($"Fan in and fan out need a tensor of rank ≥ 2; got shape {shape}.", nameof(shape));
        }

        int receptive = shape.Product(2, shape.Rank);
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>The recommended gain for <paramref name="nonlinearity"/> (PyTorch's <c>calculate_gain</c>).</summary>
    public static float Gain(Nonlinearity nonlinearity, float negativeSlope = 0.01f) => nonlinearity switch
    {
        Nonlinearity.Linear or Nonlinearity.Sigmoid => 1f,
        Nonlinearity.Tanh => 5f / 3f,
        Nonlinearity.Relu => MathF.Sqrt(2f),
        Nonlinearity.LeakyRelu => MathF.Sqrt(2f / (1f + (negativeSlope * negativeSlope))),
        _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity), nonlinearity, "Unknown nonlinearity."),
    };

    /// <summary>Fills with zeros.</summary>
    public static void Zeros(Tensor t) => Constant(t, 0f);

    /// <summary>Fills with ones.</summary>
    public static void Ones(Tensor t) => Constant(t, 1f);

    /// <summary>Fills with <paramref name="value"/>.</summary>
    public static void Constant(Tensor t, float value)
    {
        ArgumentNullException.ThrowIfNull(t);
        t.Span.Fill(value);
    }

    /// <summary>U[low, high).</summary>
    public static void Uniform(Tensor t, float low, float high, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(rng);
        rng.FillUniform(t.Span, low, high);
    }

    /// <summary>N(mean, std²).</summary>
    public static void Normal(Tensor t, float mean, float std, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(rng);
        rng.FillNormal(t.Span, mean, std);
    }

    /// <summary>
    /// Glorot &amp; Bengio (2010) uniform: U(±a), a = gain·√(6 / (fan_in + fan_out)).
    /// </summary>
    public static void XavierUniform(Tensor t, Rng rng, float gain = 1f)
    {
        float bound = MathF.Sqrt(3f) * XavierStd(t, gain);
        Uniform(t, -bound, bound, rng);
    }

    /// <summary>Glorot &amp; Bengio (2010) normal: N(0, std²), std = gain·√(2 / (fan_in + fan_out)).</summary>
    public static void XavierNormal(Tensor t, Rng rng, float gain = 1f) => Normal(t, 0f, XavierStd(t, gain), rng);

    /// <summary>
    /// He et al. (2015) uniform: U(±bound), bound = √3 · gain(nonlinearity, a) / √fan (PyTorch's
    /// <c>kaiming_uniform_</c>; its defaults a = 0, fan_in, leaky ReLU).
    /// </summary>
    public static void KaimingUniform(Tensor t, Rng rng, float a = 0f, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu)
    {
        float bound = MathF.Sqrt(3f) * KaimingStd(t, a, mode, nonlinearity);
        Uniform(t, -bound, bound, rng);
    }

    /// <summary>He et al. (2015) normal: N(0, std²), std = gain(nonlinearity, a) / √fan.</summary>
    public static void KaimingNormal(Tensor t, Rng rng, float a = 0f, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu) =>
        Normal(t, 0f, KaimingStd(t, a, mode, nonlinearity), rng);

    /// <summary>
    /// PyTorch's default for <c>nn.Linear</c>/<c>nn.Conv2d</c> weights: <c>kaiming_uniform_(a=√5)</c>, i.e.
    /// U(±1/√fan_in).
    /// </summary>
    public static void DefaultWeight(Tensor weight, Rng rng) => KaimingUniform(weight, rng, PyTorchDefaultA);

    /// <summary>
    /// PyTorch's default for <c>nn.Linear</c>/<c>nn.Conv2d</c> biases: U(±1/√fan_in) with fan_in from the weight
    /// (0 when fan_in is 0).
    /// </summary>
    public static void DefaultBias(Tensor bias, int fanIn, Rng rng)
    {
        float bound = fanIn > 0 ? 1f / MathF.Sqrt(fanIn) : 0f;
        Uniform(bias, -bound, bound, rng);
    }

    private static float XavierStd(Tensor t, float gain)
    {
        ArgumentNullException.ThrowIfNull(t);
        var (fanIn, fanOut) = Fans(t.Shape);
        return gain * MathF.Sqrt(2f / (fanIn + fanOut));
    }

    private static float KaimingStd(Tensor t, float a, FanMode mode, Nonlinearity nonlinearity)
    {
        ArgumentNullException.ThrowIfNull(t);
        var (fanIn, fanOut) = Fans(t.Shape);
        int fan = mode == FanMode.FanIn ? fanIn : fanOut;
        if (fan == 0)
        {
            throw new ArgumentException($"Kaiming initialisation of a zero-element tensor of shape {t.Shape}.", nameof(t));
        }

        return Gain(nonlinearity, a) / MathF.Sqrt(fan);
    }
}
