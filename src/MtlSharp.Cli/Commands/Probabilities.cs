namespace MtlSharp.Cli.Commands;

/// <summary>Turns model outputs (logits) into probabilities, in double precision.</summary>
internal static class Probabilities
{
    /// <summary>Softmax of <paramref name="logits"/> (shifted by the maximum, so large logits do not overflow).</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (float z in logits)
        {
            max = Math.Max(max, z);
        }

        var p = new double[logits.Length];
        double sum = 0;
        for (int k = 0; k < p.Length; k++)
        {
            p[k] = Math.Exp(logits[k] - max);
            sum += p[k];
        }

        for (int k = 0; k < p.Length; k++)
        {
            p[k] /= sum;
        }

        return p;
    }

    /// <summary>The logistic sigmoid of each logit.</summary>
    public static double[] Sigmoid(ReadOnlySpan<float> logits)
    {
        var p = new double[logits.Length];
        for (int k = 0; k < p.Length; k++)
        {
            p[k] = 1 / (1 + Math.Exp(-(double)logits[k]));
        }

        return p;
    }

    /// <summary>The index of the largest logit (the first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int k = 1; k < logits.Length; k++)
        {
            if (logits[k] > logits[best])
            {
                best = k;
            }
        }

        return best;
    }
}
