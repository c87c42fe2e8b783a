using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Packing of A and B blocks into the contiguous micro-panel layouts the micro-kernel streams (GotoBLAS: Goto and
/// van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 2008). Both storage orders of each
/// operand are handled here, so the kernel itself never sees a transpose.
/// </summary>
internal static unsafe class GemmPacking
{
    private const int MR = GemmMicroKernel.MR;

    /// <summary>
    /// Packs op(A)[0..mc, 0..kc] into panels of <see cref="MR"/> rows for <see cref="GemmMicroKernel"/>: panel q
    /// holds element (q*MR + r, p) at <c>dst[q*MR*kc + p*MR + r]</c>; see <see cref="PackAPanels"/>.
    /// </summary>
    public static void PackA(float* a, bool transA, nint lda, int mc, int kc, float* dst) => PackAPanels(a, transA, lda, mc, kc, dst, MR);

    /// <summary>
    /// Packs op(A)[0..mc, 0..kc] into panels of <paramref name="mr"/> rows: panel q holds element (q*mr + r, p) at
    /// <c>dst[q*mr*kc + p*mr + r]</c>; rows past <paramref name="mc"/> of the last panel are left unwritten (the
    /// kernel never reads them because it is instantiated for the real row count).
    /// <paramref name="a"/> points at element (0, 0) of the block; with <paramref name="transA"/> A is stored [k, m]
    /// (element (i, p) at <c>a[p*lda + i]</c>), otherwise [m, k] (<c>a[i*lda + p]</c>).
    /// </summary>
    public static void PackAPanels(float* a, bool transA, nint lda, int mc, int kc, float* dst, int mr)
    {
        for (int i0 = 0; i0 < mc; i0 += mr)
        {
            int rows = Math.Min(mr, mc - i0);
            float* panel = dst + ((nint)i0 * kc);
            if (transA)
            {
                float* src = a + i0;
                if (rows == 6)
                {
                    // A step's six floats as one 4-float vector and one 8-byte move (bit copies): on the Zen 1 host of
                    // session 17 a 144×256 block packed 1.8× faster than with six scalar copies (21.3–22.1 → 11.7–12.0
                    // µs); this packing of dGᵀ was about 5 % of the tagger benchmark's time at 1 thread there.
                    for (int p = 0; p < kc; p++)
                    {
                        float* s = src + (p * lda);
                        float* d = panel + (p * mr);
                        Vector128.Store(Vector128.Load(s), d);
                        Unsafe.WriteUnaligned(d + 4, Unsafe.ReadUnaligned<long>(s + 4));
                    }
                }
                else if (rows == 12)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        float* s = src + (p * lda);
                        float* d = panel + (p * mr);
                        Vector256.Store(Vector256.Load(s), d);
                        Vector128.Store(Vector128.Load(s + 8), d + 8);
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        float* s = src + (p * lda);
                        float* d = panel + (p * mr);
                        for (int r = 0; r < rows; r++)
                        {
                            d[r] = s[r];
                        }
                    }
                }
            }
            else
            {
                float* src = a + (i0 * lda);
                int r = 0;
                if (Sse.IsSupported)
                {
                    // Groups of 4 rows: 4×4 in-register transposes move 4 steps of 4 rows at a time.
                    for (; r + 4 <= rows; r += 4)
                    {
                        PackARows4(src + (r * lda), lda, kc, panel + r, mr);
                    }
                }

                for (; r < rows; r++)
                {
                    float* s = src + (r * lda);
                    float* d = panel + r;
                    int p = 0;
                    for (; p <= kc - 4; p += 4)
                    {
                        d[p * mr] = s[p];
                        d[(p + 1) * mr] = s[p + 1];
                        d[(p + 2) * mr] = s[p + 2];
                        d[(p + 3) * mr] = s[p + 3];
                    }

                    for (; p < kc; p++)
                    {
                        d[p * mr] = s[p];
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="PackAPanels"/> for A stored [k, m] (transposed), adding each packed column of the block (a row of
    /// op(A)) into <paramref name="sums"/>[0..mc] step by step in order, so that column sums built block after block
    /// in k order are the same floats as a row-by-row sum of the stored A (<c>0 + a₀ + a₁ + …</c>);
    /// <paramref name="start"/> zeroes the sums first (the first k block). Used by
    /// <see cref="GemmBlocked.RunPairTransposedA"/> for the bias gradients of an LSTM, read while dGᵀ is packed.
    /// </summary>
    public static void PackATransposedSummed(float* a, nint lda, int mc, int kc, float* dst, int mr, float* sums, bool start)
    {
        if (start)
        {
            new Span<float>(sums, mc).Clear();
        }

        for (int i0 = 0; i0 < mc; i0 += mr)
        {
            int rows = Math.Min(mr, mc - i0);
            float* panel = dst + ((nint)i0 * kc);
            float* src = a + i0;
            float* sum = sums + i0;
            if (rows == 6)
            {
                // Floats 0..3 and 2..5 of each step as two overlapping 4-float vectors (the overlap is copied and
                // summed twice, into different accumulators; the stores write the same values).
                Vector128<float> lo = Vector128.Load(sum), hi = Vector128.Load(sum + 2);
                for (int p = 0; p < kc; p++)
                {
                    float* s = src + (p * lda);
                    float* d = panel + (p * mr);
                    Vector128<float> v0 = Vector128.Load(s), v1 = Vector128.Load(s + 2);
                    Vector128.Store(v0, d);
                    Vector128.Store(v1, d + 2);
                    lo += v0;
                    hi += v1;
                }

                Vector128.Store(hi, sum + 2);
                Vector128.Store(lo, sum);
            }
            else if (rows == 12)
            {
                Vector256<float> lo = Vector256.Load(sum);
                Vector128<float> hi = Vector128.Load(sum + 8);
                for (int p = 0; p < kc; p++)
                {
                    float* s = src + (p * lda);
                    float* d = panel + (p * mr);
                    Vector256<float> v0 = Vector256.Load(s);
                    Vector128<float> v1 = Vector128.Load(s + 8);
                    Vector256.Store(v0, d);
                    Vector128.Store(v1, d + 8);
                    lo += v0;
                    hi += v1;
                }

                Vector256.Store(lo, sum);
                Vector128.Store(hi, sum + 8);
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* s = src + (p * lda);
                    float* d = panel + (p * mr);
                    for (int r = 0; r < rows; r++)
                    {
                        d[r] = s[r];
                        sum[r] += s[r];
                    }
                }
            }
        }
    }

    /// <summary>
    /// Four rows of A stored [m, k] (row r at <c>s + r*lda</c>) into a packed panel: element (r, p) to
    /// <c>d[p*mr + r]</c>, four steps at a time with 4×4 transposes (the last kc % 4 steps one by one).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackARows4(float* s, nint lda, int kc, float* d, int mr)
    {
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            Vector128<float> r0 = Sse.LoadVector128(s + p);
            Vector128<float> r1 = Sse.LoadVector128(s + lda + p);
            Vector128<float> r2 = Sse.LoadVector128(s + (2 * lda) + p);
            Vector128<float> r3 = Sse.LoadVector128(s + (3 * lda) + p);
            Vector128<float> t0 = Sse.UnpackLow(r0, r1);
            Vector128<float> t1 = Sse.UnpackLow(r2, r3);
            Vector128<float> t2 = Sse.UnpackHigh(r0, r1);
            Vector128<float> t3 = Sse.UnpackHigh(r2, r3);
            float* dp = d + (p * mr);
            Sse.Store(dp, Sse.MoveLowToHigh(t0, t1));
            Sse.Store(dp + mr, Sse.MoveHighToLow(t1, t0));
            Sse.Store(dp + (2 * mr), Sse.MoveLowToHigh(t2, t3));
            Sse.Store(dp + (3 * mr), Sse.MoveHighToLow(t3, t2));
        }

        for (; p < kc; p++)
        {
            float* dp = d + (p * mr);
            dp[0] = s[p];
            dp[1] = s[lda + p];
            dp[2] = s[(2 * lda) + p];
            dp[3] = s[(3 * lda) + p];
        }
    }

    /// <summary>
    /// Packs op(B)[0..kc, 0..nc] into panels of <paramref name="nr"/> (16 or 32) columns: panel q holds element
    /// (p, q*nr + j) at <c>dst[q*nr*kc + p*nr + j]</c>; columns past <paramref name="nc"/> of the last panel are
    /// zero-filled up to the next multiple of nr/2 (the kernel reads whole vectors).
    /// <paramref name="b"/> points at element (0, 0) of the block; with <paramref name="transB"/> B is stored [n, k]
    /// (element (p, j) at <c>b[j*ldb + p]</c>), otherwise [k, n] (<c>b[p*ldb + j]</c>).
    /// </summary>
    public static void PackB(float* b, bool transB, nint ldb, int kc, int nc, float* dst, int nr)
    {
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            float* panel = dst + ((nint)j0 * kc);
            if (!transB)
            {
                PackBRows(b + j0, ldb, kc, cols, panel, nr);
            }
            else if (cols == nr && Avx.IsSupported)
            {
                PackBTransposedFull(b + (j0 * ldb), ldb, kc, panel, nr);
            }
            else
            {
                PackBTransposedScalar(b + (j0 * ldb), ldb, kc, cols, panel, nr);
            }
        }
    }

    /// <summary>Packs one panel (≤ <paramref name="nr"/> columns) of B stored [k, n]: each step p copies a contiguous row piece.</summary>
    public static void PackBRows(float* b, nint ldb, int kc, int cols, float* panel, int nr)
    {
        if (cols == nr)
        {
            for (int p = 0; p < kc; p++)
            {
                float* s = b + (p * ldb);
                float* d = panel + (p * nr);
                for (int j = 0; j < nr; j += 8)
                {
                    Vector256.Store(Vector256.Load(s + j), d + j);
                }
            }

            return;
        }

        int width = cols > nr / 2 ? nr : nr / 2;
        for (int p = 0; p < kc; p++)
        {
            float* s = b + (p * ldb);
            float* d = panel + (p * nr);
            int j = 0;
            for (; j < cols; j++)
            {
                d[j] = s[j];
            }

            for (; j < width; j++)
            {
                d[j] = 0f;
            }
        }
    }

    private static void PackBTransposedScalar(float* b, nint ldb, int kc, int cols, float* panel, int nr)
    {
        int width = cols > nr / 2 ? nr : nr / 2;
        for (int j = 0; j < cols; j++)
        {
            float* s = b + (j * ldb);
            float* d = panel + j;
            for (int p = 0; p < kc; p++)
            {
                d[p * nr] = s[p];
            }
        }

        for (int j = cols; j < width; j++)
        {
            float* d = panel + j;
            for (int p = 0; p < kc; p++)
            {
                d[p * nr] = 0f;
            }
        }
    }

    /// <summary>A full panel of <paramref name="nr"/> columns of B stored [n, k], moved with 8×8 in-register transposes.</summary>
    private static void PackBTransposedFull(float* b, nint ldb, int kc, float* panel, int nr)
    {
        int p = 0;
        for (; p <= kc - 8; p += 8)
        {
            for (int j = 0; j < nr; j += 8)
            {
                Transpose8x8(b + (j * ldb) + p, ldb, panel + (p * nr) + j, nr);
            }
        }

        for (; p < kc; p++)
        {
            float* d = panel + (p * nr);
            for (int j = 0; j < nr; j++)
            {
                d[j] = b[(j * ldb) + p];
            }
        }
    }

    /// <summary>dst[c*lds + r] = src[r*ldsrc + c] for an 8×8 block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint ldsrc, float* dst, nint lddst)
    {
        Vector256<float> r0 = Avx.LoadVector256(src);
        Vector256<float> r1 = Avx.LoadVector256(src + ldsrc);
        Vector256<float> r2 = Avx.LoadVector256(src + (2 * ldsrc));
        Vector256<float> r3 = Avx.LoadVector256(src + (3 * ldsrc));
        Vector256<float> r4 = Avx.LoadVector256(src + (4 * ldsrc));
        Vector256<float> r5 = Avx.LoadVector256(src + (5 * ldsrc));
        Vector256<float> r6 = Avx.LoadVector256(src + (6 * ldsrc));
        Vector256<float> r7 = Avx.LoadVector256(src + (7 * ldsrc));

        Vector256<float> t0 = Avx.UnpackLow(r0, r1);
        Vector256<float> t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3);
        Vector256<float> t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5);
        Vector256<float> t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7);
        Vector256<float> t7 = Avx.UnpackHigh(r6, r7);

        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44);
        Vector256<float> u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44);
        Vector256<float> u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44);
        Vector256<float> u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44);
        Vector256<float> u7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + lddst, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + (2 * lddst), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + (3 * lddst), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + (4 * lddst), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + (5 * lddst), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + (6 * lddst), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + (7 * lddst), Avx.Permute2x128(u3, u7, 0x31));
    }
}
