using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Softmax cross-entropy of <paramref name="logits"/> [N, C] against class indices <paramref name="labels"/>
    /// (length N), averaged over the rows whose <paramref name="mask"/> entry is non-zero (all rows when mask is
    /// empty; the mask value weights the row): L = Σ_i m_i · (logsumexp(x_i) − x_i[y_i]) / Σ_i m_i, i.e.
    /// <c>(F.cross_entropy(x, y, reduction='none') * m).sum() / m.sum()</c>. Returns shape []; zero (with zero
    /// gradient) when no row is active. A label outside [0, C) on an active row throws; labels of masked rows are
    /// ignored (so −100 padding is fine there). Mask entries must be finite and non-negative.
    /// </summary>
    /// <remarks>
    /// Fused log-softmax + NLL: the forward computes, per active row, e^(x − max) once and, when recording, stores
    /// the gradient (softmax − onehot) · m_i / Σm in the node, so the backward is one scaled add. Stable for large
    /// logits (the row maximum is subtracted).
    /// </remarks>
    public static Tensor CrossEntropy(Tensor logits, ReadOnlySpan<int> labels, ReadOnlySpan<float> mask = default)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Rank != 2)
        {
            throw new ShapeMismatchException("CrossEntropy", "logits must be [N, C]", logits.Shape);
        }

        int n = logits.Shape.Dims[0], c = logits.Shape.Dims[1];
        if (labels.Length != n)
        {
            throw new ArgumentException($"CrossEntropy: {labels.Length} labels for logits of shape {logits.Shape} (expected {n}).", nameof(labels));
        }

        if (!mask.IsEmpty && mask.Length != n)
        {
            throw new ArgumentException($"CrossEntropy: mask of length {mask.Length} for logits of shape {logits.Shape} (expected {n}).", nameof(mask));
        }

        // Validate and total the weights first, so nothing is computed for bad input.
        double weightSum = 0;
        for (int i = 0; i < n; i++)
        {
            float w = mask.IsEmpty ? 1f : mask[i];
            if (!(w >= 0f) || float.IsPositiveInfinity(w))
            {
                throw new ArgumentException($"CrossEntropy: mask[{i}] = {w} is not a finite non-negative weight.", nameof(mask));
            }

            if (w != 0f)
            {
                if ((uint)labels[i] >= (uint)c)
                {
                    throw new ArgumentException($"CrossEntropy: label {labels[i]} at row {i} is outside [0, {c}) for logits of shape {logits.Shape}.", nameof(labels));
                }

                weightSum += w;
            }
        }

        bool record = Autograd.ShouldRecord(logits);
        var y = Tensor.Scratch(Shape.Scalar);
        if (weightSum == 0)
        {
            y.Span[0] = 0f;
            return record ? y.WithGradFn(new CrossEntropyNode(logits, null)) : y;
        }

        Tensor? grad = record ? Tensor.Scratch(logits.Shape) : null;
        Tensor? rent = !record && c > StackFloats ? Tensor.Scratch(new Shape(c)) : null;
        Span<float> tmp = record ? default : rent is null ? stackalloc float[c] : rent.Span;
        ReadOnlySpan<float> x = logits.Span;
        float invW = (float)(1.0 / weightSum);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            float w = mask.IsEmpty ? 1f : mask[i];
            Span<float> e = record ? grad!.Span.Slice(i * c, c) : tmp;
            if (w == 0f)
            {
                if (record)
                {
                    e.Clear();
                }

                continue;
            }

            ReadOnlySpan<float> row = x.Slice(i * c, c);
            int label = labels[i];
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, e);
            TensorPrimitives.Exp(e, e);
            float sum = FixedOrder.Sum(e);

            // −log softmax(x)[label] = log Σ e^(x − max) − (x[label] − max)
            total += w * (Math.Log(sum) - (row[label] - max));
            if (record)
            {
                float rowScale = w * invW;
                TensorPrimitives.Multiply(e, rowScale / sum, e);
                e[label] -= rowScale;
            }
        }

        y.Span[0] = (float)(total / weightSum);
        return record ? y.WithGradFn(new CrossEntropyNode(logits, grad)) : y;
    }

    /// <summary>Mean squared error Σ (p − t)² / n between tensors of equal shape (shape []).</summary>
    public static Tensor Mse(Tensor prediction, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        ShapeMismatchException.Require(prediction.Shape == target.Shape, "Mse", "prediction and target must have the same shape", prediction.Shape, target.Shape);
        var diff = Tensor.Scratch(prediction.Shape);
        TensorPrimitives.Subtract(prediction.Span, target.Span, diff.Span);
        var y = Tensor.Scratch(Shape.Scalar);
        y.Span[0] = FixedOrder.SumOfSquares(diff.Span) / prediction.Length;
        return Autograd.ShouldRecord(prediction, target) ? y.WithGradFn(new MseNode(prediction, target, diff)) : y;
    }

    /// <summary>Backward of the fused cross-entropy: gx += g · stored (softmax − onehot) · m / Σm.</summary>
    private sealed class CrossEntropyNode : Node
    {
        private readonly Tensor? _grad;

        public CrossEntropyNode(Tensor logits, Tensor? grad)
            : base(logits)
        {
            _grad = grad;
        }

        public override string Name => "CrossEntropy";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            if (gx.IsEmpty || _grad is null)
            {
                return;
            }

            TensorPrimitives.MultiplyAdd(_grad.Span, gradOutput[0], gx, gx);
        }
    }

    private sealed class MseNode : Node
    {
        private readonly Tensor _diff;

        public MseNode(Tensor prediction, Tensor target, Tensor diff)
            : base(prediction, target)
        {
            _diff = diff;
        }

        public override string Name => "Mse";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            float f = 2f * gradOutput[0] / _diff.Length;
            Span<float> gp = ctx.GradFor(Inputs[0]);
            if (!gp.IsEmpty)
            {
                TensorPrimitives.MultiplyAdd(_diff.Span, f, gp, gp);
            }

            Span<float> gt = ctx.GradFor(Inputs[1]);
            if (!gt.IsEmpty)
            {
                TensorPrimitives.MultiplyAdd(_diff.Span, -f, gt, gt);
            }
        }
    }
}
