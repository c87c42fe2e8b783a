using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Benchmarks;

/// <summary>
/// One bidirectional LSTM layer, forward + backward (gradients for the input and all weights), at the sluice
/// tagger's sizes: hidden 100 per direction, batch 32 sentences padded to 25 tokens, input 264 (64-d word +
/// 200-d char features, first layer) or 200 (upper layers). "_var" keys use variable lengths
/// 5 + (13·b mod 21) ∈ [5, 25] (PyTorch side: packed sequences). Matches benchmarks/torch/bench_lstm.py.
/// </summary>
internal sealed class LstmCase : IBenchCase
{
    private const int Batch = 32, Time = 25, Hidden = 100;

    public string Name => "lstm";

    /// <summary>The lengths of the variable-length variant (same formula as the PyTorch script).</summary>
    internal static int[] VariableLengths()
    {
        int[] l = new int[Batch];
        for (int b = 0; b < Batch; b++)
        {
            l[b] = 5 + (13 * b % 21);
        }

        return l;
    }

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        foreach (int input in (int[])[264, 200])
        {
            foreach (bool variable in (bool[])[false, true])
            {
                yield return One(input, variable, options);
            }
        }
    }

    private BenchResult One(int input, bool variable, BenchOptions options)
    {
        var rng = new Rng(7);
        float k = 1f / MathF.Sqrt(Hidden);
        Tensor P(params int[] dims)
        {
            var t = Tensor.Uniform(new Shape(dims), -k, k, rng);
            t.RequiresGrad = true;
            return t;
        }

        var x = P(Batch, Time, input);
        Tensor wIhF = P(4 * Hidden, input), wHhF = P(4 * Hidden, Hidden), bIhF = P(4 * Hidden), bHhF = P(4 * Hidden);
        Tensor wIhB = P(4 * Hidden, input), wHhB = P(4 * Hidden, Hidden), bIhB = P(4 * Hidden), bHhB = P(4 * Hidden);
        int[] lengths = variable ? VariableLengths() : Enumerable.Repeat(Time, Batch).ToArray();
        float[] gradOut = new float[Batch * Time * 2 * Hidden];
        rng.FillUniform(gradOut, -1f, 1f);
        var arena = new TensorArena();

        void Step()
        {
            using (arena.Enter())
            {
                var y = Ops.BiLstm(x, lengths, wIhF, wHhF, bIhF, bHhF, wIhB, wHhB, bIhB, bHhB);
                Autograd.Backward(y, gradOut);
            }
        }

        var (seconds, best, alloc) = Measure.TimeWithBest(Step, options);
        long tokens = lengths.Sum();

        // Matrix-multiply work: per direction 2·N·4H·(I + H) forward, twice that backward.
        double flops = 2 * 3 * 2.0 * tokens * 4 * Hidden * (input + Hidden);
        string key = $"lstm/bilstm_b{Batch}_t{Time}_i{input}_h{Hidden}{(variable ? "_var" : "")}";
        return new BenchResult(Name, key, Threading.ThreadCount, seconds, flops / seconds / 1e9, alloc) { BestSecondsPerIteration = best };
    }
}
