using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Testing;

/// <summary>
/// Finite-difference gradient check. The scalar probed is L = Σ out ⊙ R for a fixed random R, accumulated in
/// double, so every output element's gradient is exercised. Analytic gradients come from
/// <see cref="Autograd.Grad"/>; numeric ones from central differences (x ± eps) with recording off.
/// </summary>
internal static class GradCheck
{
    /// <summary>
    /// Checks d L / d input for every input with RequiresGrad. Fails (Assert) with the op, input index, element and
    /// both values on the first mismatch beyond atol + rtol·|numeric|.
    /// </summary>
    public static void Check(
        string name,
        Func<Tensor[], Tensor> op,
        Tensor[] inputs,
        ulong seed = 1,
        float eps = 1e-2f,
        double atol = 2e-3,
        double rtol = 2e-2,
        int maxElementsPerInput = 400)
    {
        var rng = new Rng(seed);
        Tensor probe = op(inputs);
        double[] r = new double[probe.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = rng.NextDouble() * 2 - 1;
        }

        // Analytic: L = sum(out * R) via a backward with gradOutput = R.
        var wrt = inputs.Where(t => t.RequiresGrad).ToArray();
        Assert.NotEmpty(wrt);
        int total = wrt.Sum(t => t.Length);
        float[] analytic = new float[total];
        {
            Tensor outT = op(inputs);
            var weights = Tensor.FromArray(r.Select(v => (float)v).ToArray(), outT.Shape.ToArray());
            // Build L = Σ out ⊙ R with a tiny local node so the check does not depend on Mul/Sum being correct.
            Tensor loss = DotNode.Apply(outT, weights);
            Autograd.Grad(loss, wrt, analytic);
        }

        int offset = 0;
        for (int w = 0; w < wrt.Length; w++)
        {
            Tensor x = wrt[w];
            Span<float> data = x.Span;
            int stride = Math.Max(1, x.Length / maxElementsPerInput);
            for (int i = 0; i < x.Length; i += stride)
            {
                float orig = data[i];
                data[i] = orig + eps;
                double plus = Evaluate(op, inputs, r);
                data = x.Span;
                data[i] = orig - eps;
                double minus = Evaluate(op, inputs, r);
                data = x.Span;
                data[i] = orig;
                double numeric = (plus - minus) / (2.0 * eps);
                double a = analytic[offset + i];
                double tol = atol + (rtol * Math.Abs(numeric));
                Assert.True(
                    Math.Abs(a - numeric) <= tol,
                    $"{name}: gradient mismatch at input {Array.IndexOf(inputs, x)} element {i}: analytic {a:G6}, numeric {numeric:G6} (tolerance {tol:G3}).");
            }

            offset += x.Length;
        }
    }

    private static double Evaluate(Func<Tensor[], Tensor> op, Tensor[] inputs, double[] r)
    {
        using var _ = Autograd.NoGrad();
        Tensor o = op(inputs);
        ReadOnlySpan<float> s = o.Span;
        double acc = 0;
        for (int i = 0; i < s.Length; i++)
        {
            acc += s[i] * r[i];
        }

        return acc;
    }

    private sealed class DotNode : Node
    {
        private readonly Tensor _w;

        private DotNode(Tensor x, Tensor w)
            : base(x)
        {
            _w = w;
        }

        public static Tensor Apply(Tensor x, Tensor w)
        {
            double acc = 0;
            ReadOnlySpan<float> xs = x.Span, ws = w.Span;
            for (int i = 0; i < xs.Length; i++)
            {
                acc += xs[i] * ws[i];
            }

            var t = Tensor.Scalar((float)acc);
            return Autograd.ShouldRecord(x) ? t.WithGradFn(new DotNode(x, w)) : t;
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> g = ctx.GradFor(Inputs[0]);
            ReadOnlySpan<float> ws = _w.Span;
            for (int i = 0; i < g.Length; i++)
            {
                g[i] += gradOutput[0] * ws[i];
            }
        }
    }
}
