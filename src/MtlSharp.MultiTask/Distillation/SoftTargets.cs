using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Distillation;

/// <summary>
/// Soft-target losses between a model's outputs and fixed target outputs (a teacher's logits), as weighted means over
/// rows. Each is built from already gradient-checked ops, so its gradient is exact; the target side is a constant (no
/// gradient flows into it). Every function returns null when no row has a weight.
/// <list type="bullet">
/// <item><see cref="Categorical"/>: Hinton et al. (2015), T² · KL(softmax(t/T) ‖ softmax(z/T)) per row (classification,
/// and per token for tagging). The T² factor keeps the soft term's gradient, T·(q − p), on the scale of the hard loss's
/// as T changes (the paper's remark).</item>
/// <item><see cref="Bernoulli"/>: the same per entry of a multi-label task, with sigmoids for the softmax.</item>
/// <item><see cref="Squared"/>: regression has no distribution to soften; the teacher's prediction is the target of a
/// squared error (no temperature).</item>
/// <item><see cref="ToFixed"/>: the reverse direction, KL(softmax(z) ‖ softmax(t)), for Distral's regulariser
/// (<see cref="DistralModel"/>).</item>
/// </list>
/// </summary>
public static class SoftTargets
{
    /// <summary>
    /// T² · Σ_i w_i KL(softmax(t_i/T) ‖ softmax(z_i/T)) / Σ_i w_i for logits <paramref name="logits"/> [N, C] and
    /// target logits <paramref name="target"/> (N·C values, constant); <paramref name="weights"/> (length N, empty: all 1).
    /// </summary>
    public static Tensor? Categorical(Tensor logits, ReadOnlySpan<float> target, float temperature, ReadOnlySpan<float> weights = default)
    {
        var (n, c) = Check(logits, target, weights, temperature);
        if (Normalised(weights, n) is not { } w)
        {
            return null;
        }

        // Constant side: p = softmax(t/T) and Σ_i w_i Σ_c p log p (the KL's entropy part, so the value is a KL ≥ 0).
        var coef = Tensor.Scratch(logits.Shape);
        Span<float> p = coef.Span;
        double entropyPart = 0;
        for (int i = 0; i < n; i++)
        {
            var row = p.Slice(i * c, c);
            SoftmaxRow(target.Slice(i * c, c), temperature, row);
            double s = 0;
            foreach (float v in row)
            {
                s += v > 0 ? v * Math.Log(v) : 0;
            }

            entropyPart += w[i] * s;
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, -w[i] * temperature * temperature, row);
        }

        var scaled = temperature == 1f ? logits : Ops.Scale(logits, 1f / temperature);
        var cross = Ops.Sum(Ops.Mul(Ops.LogSoftmax(scaled), coef));   // −T² Σ w p log q
        return Ops.AddScalar(cross, (float)(temperature * temperature * entropyPart));
    }

    /// <summary>
    /// T² · Σ_i w_i mean_l KL(Bernoulli(σ(t_il/T)) ‖ Bernoulli(σ(z_il/T))) / Σ_i w_i for logits [N, L] of a multi-label
    /// task; <paramref name="weights"/> per row (length N, empty: all 1).
    /// </summary>
    public static Tensor? Bernoulli(Tensor logits, ReadOnlySpan<float> target, float temperature, ReadOnlySpan<float> weights = default)
    {
        var (n, l) = Check(logits, target, weights, temperature);
        if (Normalised(weights, n) is not { } w)
        {
            return null;
        }

        var p = Tensor.Scratch(logits.Shape);
        var entry = Tensor.Scratch(logits.Shape);
        Span<float> ps = p.Span, es = entry.Span;
        double entropy = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < l; j++)
            {
                float v = 1f / (1f + MathF.Exp(-target[i * l + j] / temperature));
                ps[i * l + j] = v;
                es[i * l + j] = w[i] * temperature * temperature / l;
                entropy += w[i] / l * ((v > 0 ? v * Math.Log(v) : 0) + (v < 1 ? (1 - v) * Math.Log(1 - v) : 0));
            }
        }

        var scaled = temperature == 1f ? logits : Ops.Scale(logits, 1f / temperature);
        var cross = Ops.Sum(Ops.Mul(TaskLoss.BinaryCrossEntropyWithLogits(scaled, p), entry));
        return Ops.AddScalar(cross, (float)(temperature * temperature * entropy));
    }

    /// <summary>
    /// Σ_i w_i mean_k (y_ik − t_ik)² / Σ_i w_i for predictions [N, K] (or [N]) and the target predictions.
    /// </summary>
    public static Tensor? Squared(Tensor predictions, ReadOnlySpan<float> target, ReadOnlySpan<float> weights = default)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        if (target.Length != predictions.Length || predictions.Rank is < 1 or > 2)
        {
            throw new ArgumentException($"Soft targets: {target.Length} target values for predictions of shape {predictions.Shape}.", nameof(target));
        }

        int n = predictions.Shape.Dims[0];
        int k = predictions.Length / Math.Max(1, n);
        if (!weights.IsEmpty && weights.Length != n)
        {
            throw new ArgumentException($"Soft targets: {weights.Length} row weights for {n} rows.", nameof(weights));
        }

        if (Normalised(weights, n) is not { } w)
        {
            return null;
        }

        var t = Tensor.Scratch(predictions.Shape);
        target.CopyTo(t.Span);
        var m = Tensor.Scratch(predictions.Shape);
        for (int i = 0; i < n; i++)
        {
            m.Span.Slice(i * k, k).Fill(w[i] / k);
        }

        var d = Ops.Sub(predictions, t);
        return Ops.Sum(Ops.Mul(Ops.Mul(d, d), m));
    }

    /// <summary>
    /// Σ_i w_i KL(softmax(z_i) ‖ softmax(t_i)) / Σ_i w_i: the model's distribution measured against a fixed one (the
    /// direction Distral regularises a task model in), for logits [N, C].
    /// </summary>
    public static Tensor? ToFixed(Tensor logits, ReadOnlySpan<float> target, ReadOnlySpan<float> weights = default)
    {
        var (n, c) = Check(logits, target, weights, 1f);
        if (Normalised(weights, n) is not { } w)
        {
            return null;
        }

        var logP = Tensor.Scratch(logits.Shape);
        var rowWeight = Tensor.Scratch(new Shape(n, 1));
        for (int i = 0; i < n; i++)
        {
            LogSoftmaxRow(target.Slice(i * c, c), logP.Span.Slice(i * c, c));
            rowWeight.Span[i] = w[i];
        }

        var logQ = Ops.LogSoftmax(logits);
        var q = Ops.Softmax(logits);
        return Ops.Sum(Ops.Mul(Ops.Mul(q, Ops.Sub(logQ, logP)), rowWeight));
    }

    /// <summary>The soft-target term of a task of kind <paramref name="kind"/> (categorical for classification and tagging).</summary>
    public static Tensor? ForTask(TaskKind kind, Tensor output, ReadOnlySpan<float> target, float temperature, ReadOnlySpan<float> weights = default) => kind switch
    {
        TaskKind.Classification or TaskKind.SequenceTagging => Categorical(output, target, temperature, weights),
        TaskKind.MultiLabel => Bernoulli(output, target, temperature, weights),
        TaskKind.Regression => Squared(output, target, weights),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown task kind."),
    };

    private static (int Rows, int Columns) Check(Tensor logits, ReadOnlySpan<float> target, ReadOnlySpan<float> weights, float temperature)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Rank != 2)
        {
            throw new ShapeMismatchException("SoftTargets", "logits must be [N, C]", logits.Shape);
        }

        if (!(temperature > 0) || !float.IsFinite(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be a finite number > 0.");
        }

        int n = logits.Shape.Dims[0], c = logits.Shape.Dims[1];
        if (target.Length != n * c)
        {
            throw new ArgumentException($"Soft targets: {target.Length} target logits for logits of shape {logits.Shape}.", nameof(target));
        }

        if (!weights.IsEmpty && weights.Length != n)
        {
            throw new ArgumentException($"Soft targets: {weights.Length} row weights for {n} rows.", nameof(weights));
        }

        return (n, c);
    }

    /// <summary>The weights divided by their sum (all 1/N when empty), or null when they sum to 0.</summary>
    private static float[]? Normalised(ReadOnlySpan<float> weights, int n)
    {
        if (n == 0)
        {
            return null;
        }

        var w = new float[n];
        if (weights.IsEmpty)
        {
            Array.Fill(w, 1f / n);
            return w;
        }

        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            if (!(weights[i] >= 0) || !float.IsFinite(weights[i]))
            {
                throw new ArgumentException($"Soft targets: row weight {i} is {weights[i]}; weights must be finite and ≥ 0.", nameof(weights));
            }

            sum += weights[i];
        }

        if (sum == 0)
        {
            return null;
        }

        for (int i = 0; i < n; i++)
        {
            w[i] = (float)(weights[i] / sum);
        }

        return w;
    }

    private static void SoftmaxRow(ReadOnlySpan<float> logits, float temperature, Span<float> into)
    {
        float max = System.Numerics.Tensors.TensorPrimitives.Max(logits);
        double sum = 0;
        for (int j = 0; j < logits.Length; j++)
        {
            into[j] = MathF.Exp((logits[j] - max) / temperature);
            sum += into[j];
        }

        System.Numerics.Tensors.TensorPrimitives.Multiply(into, (float)(1 / sum), into);
    }

    private static void LogSoftmaxRow(ReadOnlySpan<float> logits, Span<float> into)
    {
        float max = System.Numerics.Tensors.TensorPrimitives.Max(logits);
        double sum = 0;
        for (int j = 0; j < logits.Length; j++)
        {
            sum += Math.Exp(logits[j] - max);
        }

        float log = (float)Math.Log(sum) + max;
        System.Numerics.Tensors.TensorPrimitives.Subtract(logits, log, into);
    }
}
