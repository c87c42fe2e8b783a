using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors.Tests;

/// <summary>
/// Whole training steps give the same bits with and without AVX-512: this assembly is started as a program with
/// AVX-512 disabled, trains a small network of many op kinds for a few SGD steps at 1 and 2 threads, and prints a
/// digest of the weights, which must equal the digest computed here with the host's default (widest) kernels.
/// On a host without AVX-512 both sides run the 256-bit paths and the test only checks repeatability.
/// </summary>
[Collection("Threading")]
public sealed class WidthIndependenceTests
{
    [Fact]
    public void TrainingStepsGiveTheSameBitsWithoutAvx512()
    {
        string stdout = NarrowChild.Run("train-digest");
        Assert.Contains("vector512=False", stdout, StringComparison.Ordinal);
        Assert.Contains($"train-digest={TrainingDigest()}", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainingDigestIsRepeatableAndTrainingMovesTheWeights()
    {
        string first = TrainingDigest();
        Assert.Equal(first, TrainingDigest());
        Assert.NotEqual(first, TrainingDigest(steps: 0));
    }

    /// <summary>
    /// SHA-256 of the weights of a small network after <paramref name="steps"/> SGD steps, run at 1 and then 2
    /// threads from the same start: convolution + ReLU + group norm + global pooling on images; embeddings + BiLSTM
    /// (hidden 20: a 16-lane step and the padded tail) + mean over time on token sequences; then linear layers,
    /// layer norm, tanh, dropout, softmax cross-entropy, a sigmoid MSE head and an L2 penalty. Every reduction,
    /// GEMM and cell kernel on the way must be independent of the vector width for the digests to agree.
    /// </summary>
    internal static string TrainingDigest(int steps = 3)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int saved = Threading.ThreadCount;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Threading.ThreadCount = threads;
                foreach (var p in Train(steps))
                {
                    hash.AppendData(MemoryMarshal.AsBytes(p.Span));
                }
            }
        }
        finally
        {
            Threading.ThreadCount = saved;
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static Tensor[] Train(int steps)
    {
        var rng = new Rng(31);
        Tensor P(float scale, params int[] dims)
        {
            var t = Tensor.Uniform(new Shape(dims), -scale, scale, rng);
            t.RequiresGrad = true;
            return t;
        }

        const int batch = 6, time = 7, hidden = 20;
        Tensor conv = P(0.3f, 8, 3, 3, 3), convB = P(0.1f, 8), gnG = P(0.2f, 8), gnB = P(0.2f, 8);
        Tensor emb = P(1f, 30, 12);
        Tensor wIhF = P(0.3f, 4 * hidden, 12), wHhF = P(0.3f, 4 * hidden, hidden), bIhF = P(0.2f, 4 * hidden), bHhF = P(0.2f, 4 * hidden);
        Tensor wIhB = P(0.3f, 4 * hidden, 12), wHhB = P(0.3f, 4 * hidden, hidden), bIhB = P(0.2f, 4 * hidden), bHhB = P(0.2f, 4 * hidden);
        Tensor w1 = P(0.2f, 64, 48), b1 = P(0.1f, 64), lnG = P(0.3f, 64), lnB = P(0.1f, 64);
        Tensor w2 = P(0.2f, 5, 64), b2 = P(0.1f, 5), w3 = P(0.2f, 3, 64);
        Tensor[] weights = [conv, convB, gnG, gnB, emb, wIhF, wHhF, bIhF, bHhF, wIhB, wHhB, bIhB, bHhB, w1, b1, lnG, lnB, w2, b2, w3];

        var images = Tensor.Uniform(new Shape(batch, 3, 12, 12), -1f, 1f, rng);
        int[] ids = Enumerable.Range(0, batch * time).Select(_ => rng.NextInt(30)).ToArray();
        int[] lengths = [7, 3, 5, 7, 1, 4];
        int[] labels = Enumerable.Range(0, batch).Select(_ => rng.NextInt(5)).ToArray();
        var target = Tensor.Uniform(new Shape(batch, 3), 0f, 1f, rng);
        var dropRng = new Rng(5);

        for (int step = 0; step < steps; step++)
        {
            foreach (var w in weights)
            {
                w.ZeroGrad();
            }

            var img = Ops.GlobalAvgPool(Ops.GroupNorm(Ops.Relu(Ops.Conv2d(images, conv, convB, 1, PaddingMode.Same)), 2, gnG, gnB));
            var seq = Ops.BiLstm(Ops.Embedding(emb, ids, batch, time), lengths, wIhF, wHhF, bIhF, bHhF, wIhB, wHhB, bIhB, bHhB);
            var tokens = Ops.Mean(seq, 1);
            var h = Ops.Linear(Ops.Concat([Ops.Reshape(img, batch, 8), tokens], 1), w1, b1);
            h = Ops.Dropout(Ops.Tanh(Ops.LayerNorm(h, lnG, lnB)), 0.1f, dropRng, training: true);
            var loss = Ops.Add(
                Ops.Add(Ops.CrossEntropy(Ops.Linear(h, w2, b2), labels), Ops.Mse(Ops.Sigmoid(Ops.Linear(h, w3, null)), target)),
                Ops.Scale(Ops.SumOfSquares(w1), 1e-3f));
            Autograd.Backward(loss);
            foreach (var w in weights)
            {
                TensorPrimitives.MultiplyAdd(w.Grad!.Span, -0.1f, w.Span, w.Span);
            }
        }

        return weights;
    }
}
