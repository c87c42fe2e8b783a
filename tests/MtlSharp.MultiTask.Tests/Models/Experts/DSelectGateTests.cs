using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Experts;

/// <summary>DSelect-k gates (Hazimeh et al. 2021) in mixtures of experts.</summary>
public sealed class DSelectGateTests
{
    private static readonly TaskTargets Dummy = new(new int[1], null);

    private static DSelectGate Gate(int inputs, int experts, int selectors, float gamma = 1f, ulong seed = 1) =>
        new(inputs, experts, new DSelectOptions { Selectors = selectors, Gamma = gamma }, ParameterKind.Shared, new Rng(seed));

    private static void SetSelectorLogits(DSelectGate gate, params float[] z)
    {
        gate.SelectorLogits.Weight.Data.Clear();
        z.CopyTo(gate.SelectorLogits.Bias.Data);
    }

    private static float Step(float t, float gamma) =>
        t <= -gamma / 2 ? 0f : t >= gamma / 2 ? 1f : (-2f / (gamma * gamma * gamma) * t * t * t) + (1.5f / gamma * t) + 0.5f;

    [Fact]
    public void SaturatedSelectorsPickTheExpertTheirBitsSpell()
    {
        // E = 8, m = 3 bits, most significant first: z = (+, −, +) spells 101 = expert 5; (−, +, +) = 011 = expert 3.
        var gate = Gate(4, 8, 2);
        SetSelectorLogits(gate, 0.7f, -0.6f, 2f, -1f, 0.5f, 3f);
        var x = Tensor.Uniform(new Shape(3, 4), -1, 1, new Rng(2));
        var r = gate.SelectorOutputs(x);
        for (int n = 0; n < 3; n++)
        {
            for (int e = 0; e < 8; e++)
            {
                Assert.Equal(e == 5 ? 1f : 0f, r[0].Span[(n * 8) + e]);
                Assert.Equal(e == 3 ? 1f : 0f, r[1].Span[(n * 8) + e]);
            }
        }

        // The gate is α₀·onehot(5) + α₁·onehot(3), α = softmax over the two selectors, rows summing to one.
        var w = gate.Forward(x, training: false).Span;
        for (int n = 0; n < 3; n++)
        {
            Assert.Equal(1.0, w[(n * 8) + 5] + w[(n * 8) + 3], 1e-6);
            Assert.True(w[(n * 8) + 5] > 0.3f && w[(n * 8) + 3] > 0.3f);
        }
    }

    [Fact]
    public void SelectorWeightsAreProductsOfSmoothSteps()
    {
        const float gamma = 2f;
        var gate = Gate(3, 4, 1, gamma);
        SetSelectorLogits(gate, 0.3f, -0.8f);   // inside the transition (|t| < γ/2 = 1)
        var r = gate.SelectorOutputs(Tensor.Uniform(new Shape(1, 3), -1, 1, new Rng(3)))[0].Span;
        float s0 = Step(0.3f, gamma), s1 = Step(-0.8f, gamma);
        float[] expected = [(1 - s0) * (1 - s1), (1 - s0) * s1, s0 * (1 - s1), s0 * s1];   // codes 00, 01, 10, 11
        for (int e = 0; e < 4; e++)
        {
            Assert.Equal(expected[e], r[e], 1e-6);
        }

        Assert.Equal(1.0, expected.Sum(), 1e-6);
        Assert.Equal(0.5f, Step(0f, gamma));
        Assert.Equal(1.0, Step(1f, gamma), 1e-6);   // continuous at ±γ/2
    }

    [Fact]
    public void GradientsMatchFiniteDifferencesThroughGatesExpertsAndTowers()
    {
        var network = new MixtureOfExperts(3, 4, [5], GateMode.PerTask, [], [2, 2], new Rng(11), dselect: new DSelectOptions { Selectors = 2, Gamma = 8f });
        var rng = new Rng(12);
        foreach (var (_, p) in network.NamedParameters().Where(p => p.Name.Contains("z_", StringComparison.Ordinal) || p.Name.Contains("alpha", StringComparison.Ordinal) || p.Name.Contains("bias", StringComparison.Ordinal)))
        {
            Tensor.Uniform(p.Shape, -0.5f, 0.5f, rng).Span.CopyTo(p.Data);   // logits inside the transition, away from its ends
        }

        var model = new ExpertModel(network, ["a", "b"]);
        var x = Tensor.Uniform(new Shape(4, 3), -1, 1, new Rng(13));
        var batch = new MultiTaskBatch(Enumerable.Range(0, 2).Select(t => new TaskBatch(t, new TensorInput(x), Dummy)).ToArray());
        var parameters = network.Parameters().Select(p => p.Value).ToArray();
        GradCheck.Check("dselect", _ => Ops.Concat([.. model.Forward(batch, new ForwardContext(0, true, new Rng(0), 1f))], 1), parameters, 14, eps: 1e-3f);
    }

    [Fact]
    public void TheRegulariserIsTheEntropyPlusTheMissingMassForNonPowersOfTwo()
    {
        var network = new MixtureOfExperts(3, 3, [4], GateMode.PerTask, [], [2, 2], new Rng(21), dselect: new DSelectOptions { Selectors = 1, Entropy = 0.5f });
        var gates = network.NamedParameters().Where(p => p.Name.EndsWith("z_bias", StringComparison.Ordinal)).Select(p => p.Parameter).ToArray();
        gates[0].Data[0] = 0.2f;   // task 0: codes 00, 01, 10, 11 over 3 experts: code 11 names none
        gates[0].Data[1] = 0.4f;
        var model = new ExpertModel(network, ["a", "b"]);
        var x = Tensor.Uniform(new Shape(5, 3), -1, 1, new Rng(22));
        var batch = new MultiTaskBatch([new TaskBatch(0, new TensorInput(x), Dummy), new TaskBatch(1, new TensorInput(x), Dummy)]);
        var context = new ForwardContext(0, true, new Rng(0), 1f);
        model.Forward(batch, context);
        var penalty = model.Regularizers.Single().Compute(batch, context)!.Item();

        double expected = 0;
        for (int t = 0; t < 2; t++)
        {
            var r = ((DSelectGate)network.GateOf(t)).SelectorOutputs(x)[0].Span;
            double entropy = 0, inverseMass = 0;
            for (int n = 0; n < 5; n++)
            {
                double mass = 0;
                for (int e = 0; e < 3; e++)
                {
                    float v = r[(n * 3) + e];
                    entropy -= v * Math.Log(v + 1e-6);
                    mass += v;
                }

                Assert.True(mass < 1);   // some weight sits on code 11
                inverseMass += 1 / mass;
            }

            expected += (0.5 * entropy / 5) + ((inverseMass / 5) - 1);
        }

        Assert.Equal(expected, penalty, 1e-5);

        // Evaluation passes record nothing, and a second Compute finds nothing left.
        model.Forward(batch, new ForwardContext(0, false, new Rng(0), 1f));
        Assert.Null(model.Regularizers.Single().Compute(batch, context));
    }
}
