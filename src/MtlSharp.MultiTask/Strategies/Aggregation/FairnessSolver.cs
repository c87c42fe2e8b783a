namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// Solves K w = w^(−1/α) elementwise for w &gt; 0, where K = G Gᵀ is the Gram matrix of the task gradients: the
/// α-fair bargaining condition of FairGrad (Ban &amp; Ji 2024); α = 1 is Nash-MTL's K α = 1/α (Navon et al. 2022).
/// The solution is the minimiser of the strictly convex f(w) = ½ wᵀ K w − Σ_i h(w_i) with h' (w) = w^(−1/α)
/// (h = log for α = 1), found by damped Newton steps kept inside w &gt; 0 — no external solver, T × T only. When K is
/// singular along a positive direction (e.g. two exactly opposite gradients) f has no minimum; a ridge of
/// 1e-8 · mean(diag K) keeps it finite, so the weights become large and the combined direction tends to 0 (the
/// bargaining limit). A zero Gram matrix has no solution: the caller gets null.
/// </summary>
internal static class FairnessSolver
{
    public static double[]? Solve(double[,] gram, double alpha, int maxIterations = 200)
    {
        int t = gram.GetLength(0);
        double trace = 0;
        for (int i = 0; i < t; i++)
        {
            trace += gram[i, i];
        }

        if (!(trace > 0) || !double.IsFinite(trace))
        {
            return null;
        }

        var k = (double[,])gram.Clone();
        double ridge = 1e-8 * trace / t;
        for (int i = 0; i < t; i++)
        {
            k[i, i] += ridge;
        }

        // Start where every task's condition holds for a diagonal K: w_i = K_ii^(−α/(1+α)).
        var w = new double[t];
        for (int i = 0; i < t; i++)
        {
            w[i] = Math.Pow(k[i, i], -alpha / (1 + alpha));
        }

        double F(double[] v)
        {
            double f = 0.5 * AggregationMath.Quadratic(k, v);
            for (int i = 0; i < t; i++)
            {
                f -= alpha == 1 ? Math.Log(v[i]) : Math.Pow(v[i], 1 - (1 / alpha)) / (1 - (1 / alpha));
            }

            return f;
        }

        double fw = F(w);
        for (int iter = 0; iter < maxIterations; iter++)
        {
            var kw = AggregationMath.Multiply(k, w);
            var grad = new double[t];
            var hess = (double[,])k.Clone();
            double gnorm = 0;
            for (int i = 0; i < t; i++)
            {
                grad[i] = kw[i] - Math.Pow(w[i], -1 / alpha);
                hess[i, i] += (1 / alpha) * Math.Pow(w[i], (-1 / alpha) - 1);
                gnorm = Math.Max(gnorm, Math.Abs(grad[i] * w[i]));
            }

            if (gnorm < 1e-13)
            {
                break;
            }

            var step = AggregationMath.Solve(hess, grad, 1e-300);
            if (step is null)
            {
                break;
            }

            // Backtracking: stay positive and decrease f.
            double s = 1;
            for (int i = 0; i < t; i++)
            {
                if (step[i] > 0)
                {
                    s = Math.Min(s, 0.99 * w[i] / step[i]);
                }
            }

            var next = new double[t];
            double fn = double.PositiveInfinity;
            for (int tries = 0; tries < 60; tries++)
            {
                for (int i = 0; i < t; i++)
                {
                    next[i] = w[i] - (s * step[i]);
                }

                fn = F(next);
                if (fn <= fw)
                {
                    break;
                }

                s *= 0.5;
            }

            if (!(fn <= fw))
            {
                break;
            }

            bool moved = false;
            for (int i = 0; i < t; i++)
            {
                moved |= next[i] != w[i];
            }

            (w, fw) = (next, fn);
            if (!moved)
            {
                break;
            }
        }

        return w.All(double.IsFinite) ? w : null;
    }
}
