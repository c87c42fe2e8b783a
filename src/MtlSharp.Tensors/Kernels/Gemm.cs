using System.Numerics.Tensors;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Single-precision general matrix multiply on row-major contiguous buffers:
/// C[m×n] (+)= op(A)[m×k] · op(B)[k×n], where op(A) = A (stored m×k) or Aᵀ (A stored k×m), likewise B.
/// </summary>
/// <remarks>
/// GotoBLAS/BLIS structure (Goto and van de Geijn, ACM TOMS 2008; Van Zee and van de Geijn, ACM TOMS 2015): the
/// k dimension is cut into <c>KC</c> blocks and n into <c>NC</c> blocks; a KC×NC block of B and an MC×KC block of A
/// are packed into micro-panels and multiplied by a register-blocked micro-kernel: 12×32 with 512-bit vectors
/// (<see cref="GemmMicroKernel512"/>) where the host accelerates them, 6×16 AVX2/FMA (<see cref="GemmMicroKernel"/>)
/// elsewhere (<see cref="GemmWidth"/>; both give the same bits). Products with few rows of C read B in place
/// instead of packing it.
/// Large products are split into blocks of column (or row) panels of C, which the threads claim in turn
/// (<see cref="Threading.ForBlocks"/>); every element of C is summed in the same order whatever the split and
/// whichever thread runs it, so results are bit-identical for any thread count.
/// Pack buffers are cached per thread; a call allocates nothing except, on the multi-threaded path, what the
/// thread pool needs to dispatch (about 1.7 KB). C must not overlap A or B. Without AVX+FMA (and for products of
/// at most 64 multiply-adds) a plain triple loop runs instead.
/// </remarks>
internal static class Gemm
{
    /// <summary>Products with at most this many multiply-adds use a plain loop (nothing to amortize).</summary>
    private const long TinyWork = 64;

    /// <summary>
    /// Products with at most this many multiply-adds take the unpacked <see cref="GemmSmall"/> path (packing costs as
    /// much as the multiply there).
    /// </summary>
    internal const long SmallMaxWork = 1L << 18;

    /// <summary>
    /// Products with at most this many columns take the <see cref="GemmSmall"/> path whatever their size (packing A
    /// for a thin B costs about as much as the multiply); split over row blocks when large.
    /// </summary>
    private const int SkinnyMaxN = 32;

    /// <summary>
    /// Products with fewer multiply-adds than this stay on the calling thread. With 512-bit kernels 2²¹: they take
    /// about 15–30 µs on one core, and a worker woken late on a busy machine costs more than the half that a second
    /// thread could save. The 256-bit kernels do half the work per cycle, so the same time is about 2¹⁹ there: on the
    /// AVX2-only Zen 1 (session 21, 2 threads, three interleaved runs each) 32×400×100 went from 0.066–0.072 to
    /// 0.039–0.043 ms and 64×64×128 from 0.032–0.033 to 0.019–0.022 ms, while the training, tagger, BiLSTM, expert and
    /// inference steps stayed within their run-to-run spread. Threads never change the bits.
    /// </summary>
    private static long ParallelMinWork => GemmWidth.Wide ? 1L << 21 : 1L << 19;

    /// <summary>Each thread of a parallel product gets at least this many multiply-adds (half the threshold above).</summary>
    private static long ParallelMinWorkPerChunk => ParallelMinWork / 2;

    /// <summary>
    /// Computes C = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>.
    /// </summary>
    /// <param name="a">A, stored [m, k] or, when <paramref name="transA"/>, [k, m].</param>
    /// <param name="transA">Whether A is stored transposed.</param>
    /// <param name="b">B, stored [k, n] or, when <paramref name="transB"/>, [n, k].</param>
    /// <param name="transB">Whether B is stored transposed.</param>
    /// <param name="c">C, [m, n].</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">The inner dimension.</param>
    /// <param name="accumulate">Add into C instead of overwriting it.</param>
    public static void Multiply(
        ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c,
        int m, int n, int k, bool accumulate) =>
        MultiplyOnPath(a, transA, b, transB, c, m, n, k, accumulate, GemmPath.Auto);

    /// <summary><see cref="Multiply"/> with the kernel path forced (tests, benchmarks).</summary>
    internal static unsafe void MultiplyOnPath(
        ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c,
        int m, int n, int k, bool accumulate, GemmPath path)
    {
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentException($"Gemm: negative size m={m}, n={n}, k={k}.");
        }

        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
        {
            throw new ArgumentException($"Gemm: buffers too small for m={m}, n={n}, k={k} (A {a.Length}, B {b.Length}, C {c.Length}).");
        }

        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                c[..(m * n)].Clear();
            }

            return;
        }

        long work = (long)m * n * k;
        if ((work <= TinyWork && path == GemmPath.Auto) || !Avx.IsSupported || !Fma.IsSupported)
        {
            Naive(a, transA, b, transB, c, m, n, k, accumulate);
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            bool wide = KernelOverrides.Current.Wide ?? GemmWidth.Wide;
            (bool small, bool parallel) = Route(work, n, path);
            if (small && !parallel)
            {
                GemmSmall.Run(pa, transA, pb, transB, pc, m, n, k, accumulate);
                return;
            }

            if (parallel)
            {
                var job = GemmJob.Rent();
                job.Set(pa, transA, pb, transB, pc, m, n, k, accumulate, small, wide, ParallelMinWorkPerChunk);
                try
                {
                    // Claimed rather than one fixed chunk per thread: a thread held up (a sleeping worker, the other
                    // vCPU busy) leaves its block to the caller instead of making it wait.
                    Threading.ForBlocks(job.Blocks, job.BlockBody);
                }
                finally
                {
                    job.Return();
                }

                return;
            }

            GemmBlocked.RunOnWidth(pa, transA, transA ? m : k, pb, transB, transB ? k : n, pc, n, m, n, k, accumulate, wide);
        }
    }

    /// <summary>
    /// C1[m×n1] (+)= Aᵀ·B1 and C2[m×n2] (+)= Aᵀ·B2 for A stored [k, m], B1 [k, n1], B2 [k, n2] — an LSTM's two
    /// weight gradients dGᵀ·H and dGᵀ·X — and, when <paramref name="colSum"/> is not empty, the column sums of the
    /// stored A into it ([m]: its k rows added in order, overwriting). The same bits as two <see cref="Multiply"/>
    /// calls and a row-by-row sum: where both products take the single-threaded blocked path each block of A is
    /// packed once for both and summed while packed (<see cref="GemmBlocked.RunPairTransposedA"/>); elsewhere (small,
    /// skinny or parallel products) it is those calls.
    /// </summary>
    public static unsafe void MultiplyPairTransposedA(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b1, Span<float> c1, int n1, ReadOnlySpan<float> b2, Span<float> c2, int n2,
        int m, int k, bool accumulate, Span<float> colSum)
    {
        if (m < 0 || n1 < 0 || n2 < 0 || k < 0)
        {
            throw new ArgumentException($"Gemm: negative size m={m}, n1={n1}, n2={n2}, k={k}.");
        }

        if (a.Length < (long)m * k || b1.Length < (long)k * n1 || c1.Length < (long)m * n1
            || b2.Length < (long)k * n2 || c2.Length < (long)m * n2 || (!colSum.IsEmpty && colSum.Length < m))
        {
            throw new ArgumentException(
                $"Gemm: buffers too small for m={m}, n1={n1}, n2={n2}, k={k} (A {a.Length}, B1 {b1.Length}, C1 {c1.Length}, "
                + $"B2 {b2.Length}, C2 {c2.Length}, column sums {colSum.Length}).");
        }

        bool wide = KernelOverrides.Current.Wide ?? GemmWidth.Wide;
        if (m > 0 && k > 0 && RunsBlockedOnCaller(m, n1, k) && RunsBlockedOnCaller(m, n2, k) && GemmBlocked.TakesPair(n1, n2, wide))
        {
            fixed (float* pa = a)
            fixed (float* pb1 = b1)
            fixed (float* pc1 = c1)
            fixed (float* pb2 = b2)
            fixed (float* pc2 = c2)
            fixed (float* ps = colSum)
            {
                GemmBlocked.RunPairTransposedA(pa, pb1, pc1, n1, pb2, pc2, n2, m, k, accumulate, colSum.IsEmpty ? null : ps, wide);
            }

            return;
        }

        Multiply(a, true, b1, false, c1, m, n1, k, accumulate);
        Multiply(a, true, b2, false, c2, m, n2, k, accumulate);
        if (!colSum.IsEmpty)
        {
            ColumnSums(a, m, k, colSum);
        }
    }

    /// <summary>Column sums of A stored [k, m] into <paramref name="sum"/>[0..m]: its rows added in order (overwriting).</summary>
    public static void ColumnSums(ReadOnlySpan<float> a, int m, int k, Span<float> sum)
    {
        sum = sum[..m];
        sum.Clear();
        for (int row = 0; row < k; row++)
        {
            TensorPrimitives.Add(sum, a.Slice(row * m, m), sum);
        }
    }

    /// <summary>Whether <see cref="Multiply"/> runs an m×n×k product with the blocked loops on the calling thread.</summary>
    private static bool RunsBlockedOnCaller(int m, int n, int k)
    {
        long work = (long)m * n * k;
        if (n == 0 || work <= TinyWork || !Avx.IsSupported || !Fma.IsSupported)
        {
            return false;
        }

        (bool small, bool parallel) = Route(work, n, GemmPath.Auto);
        return !small && !parallel;
    }

    /// <summary>
    /// The route of a product with AVX+FMA and more than <see cref="TinyWork"/> multiply-adds: the unpacked
    /// <see cref="GemmSmall"/> loops or the blocked ones, and split over threads or not.
    /// </summary>
    private static (bool Small, bool Parallel) Route(long work, int n, GemmPath path)
    {
        bool small = path == GemmPath.Small || (path == GemmPath.Auto && (work <= SmallMaxWork || n <= SkinnyMaxN));
        bool parallel = Threading.ThreadCount > 1 && work >= ParallelMinWork && !(small && n == 1);
        return (small, parallel);
    }

    /// <summary>The reference triple loop (tiny products and machines without AVX/FMA).</summary>
    private static void Naive(
        ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c,
        int m, int n, int k, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * n, n);
            if (!accumulate)
            {
                row.Clear();
            }

            for (int p = 0; p < k; p++)
            {
                float av = transA ? a[(p * m) + i] : a[(i * k) + p];
                if (transB)
                {
                    for (int j = 0; j < n; j++)
                    {
                        row[j] += av * b[(j * k) + p];
                    }
                }
                else
                {
                    ReadOnlySpan<float> brow = b.Slice(p * n, n);
                    for (int j = 0; j < n; j++)
                    {
                        row[j] += av * brow[j];
                    }
                }
            }
        }
    }
}
