using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The unpacked GEMM path for small and skinny products (the shapes of small MLPs: a batch of 64 against 16-wide
/// layers), where packing A and B into micro-panels costs as much as the multiply itself. Reads A and B in place.
/// </summary>
/// <remarks>
/// <para>Two register-blocked AVX2/FMA forms. <b>Broadcast form</b> (op(B) rows contiguous): a tile of up to 6 rows ×
/// 16 columns of C lives in 12 YMM accumulators; each step over k broadcasts one value of A per row and loads one
/// row of B (masked at a ragged column edge). A may be stored either way (it is addressed with a row and a depth
/// stride). <b>Dot form</b> (A rows and B rows both contiguous over k, i.e. A not transposed and B transposed): 8
/// dot products (2 rows × 4 columns, or 1 × 8) are accumulated 8-wide over k (masked at the k edge) and reduced with a
/// horizontal-add tree. Transposed B with many rows of C is transposed into a per-thread buffer first and takes the
/// broadcast form.</para>
/// <para>Degenerate shapes are normalised first: with k = 1 or m = 1 the transpose flags do not change the layout,
/// and a product with one column (n = 1) is computed as its transpose Cᵀ = op(B)ᵀ·op(A)ᵀ (a single row), so
/// matrix-vector products vectorise along m.</para>
/// <para>Each element of C is summed in a fixed order that depends only on the shape and flags, never on the thread
/// count (this path always runs on the calling thread).</para>
/// </remarks>
internal static unsafe class GemmSmall
{
    /// <summary>Transposed B is transposed into a buffer (broadcast form) when C has at least this many rows.</summary>
    private const int TransposeMinRows = 16;

    [ThreadStatic]
    private static float[]? t_bt;

    /// <summary>C[m×n] (+)= op(A)·op(B), all operands contiguous row-major (see <see cref="Gemm.Multiply"/>).</summary>
    public static void Run(float* a, bool transA, float* b, bool transB, float* c, int m, int n, int k, bool accumulate) =>
        Run(a, transA, m, b, transB, c, m, n, k, accumulate);

    /// <summary>
    /// Like <see cref="Run(float*, bool, float*, bool, float*, int, int, int, bool)"/> for a block of
    /// <paramref name="m"/> rows of a product with <paramref name="fullM"/> rows (A stored transposed has rows
    /// <paramref name="fullM"/> long). The kernel choice depends only on the full product, so every element is
    /// computed the same way however the rows are split. Needs <paramref name="fullM"/> = m when n = 1.
    /// </summary>
    public static void Run(float* a, bool transA, int fullM, float* b, bool transB, float* c, int m, int n, int k, bool accumulate)
    {
        if (k == 1)
        {
            transA = false;
            transB = false;
        }

        if (n == 1)
        {
            // Cᵀ [1, m] = op(B)ᵀ [1, k] · op(A)ᵀ [k, m]; C's memory is the same.
            float* t = a;
            a = b;
            b = t;
            transB = !transA;
            transA = false;
            n = m;
            m = 1;
            fullM = 1;
        }

        if (fullM == 1)
        {
            transA = false;
        }

        nint sRow = transA ? 1 : k;
        nint sP = transA ? fullM : 1;
        if (!transB)
        {
            Broadcast(a, sRow, sP, b, n, c, n, m, n, k, accumulate);
            return;
        }

        if (!transA && fullM < TransposeMinRows)
        {
            Dot(a, b, c, m, n, k, accumulate);
            return;
        }

        float* bt = TransposeB(b, n, k);
        Broadcast(a, sRow, sP, bt, n, c, n, m, n, k, accumulate);
    }

    /// <summary>B stored [n, k] copied transposed into the per-thread buffer as [k, n].</summary>
    private static float* TransposeB(float* b, int n, int k)
    {
        int size = n * k;
        if (t_bt is null || t_bt.Length < size)
        {
            t_bt = GC.AllocateUninitializedArray<float>(Math.Max(size, 4096), pinned: true);
        }

        float* bt = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(t_bt));
        int j = 0;
        for (; j + 8 <= n; j += 8)
        {
            int p = 0;
            for (; p + 8 <= k; p += 8)
            {
                Transpose8x8(b + ((nint)j * k) + p, k, bt + ((nint)p * n) + j, n);
            }

            for (; p < k; p++)
            {
                for (int jj = j; jj < j + 8; jj++)
                {
                    bt[((nint)p * n) + jj] = b[((nint)jj * k) + p];
                }
            }
        }

        for (; j < n; j++)
        {
            float* src = b + ((nint)j * k);
            for (int p = 0; p < k; p++)
            {
                bt[((nint)p * n) + j] = src[p];
            }
        }

        return bt;
    }

    /// <summary>dst[c*ldd + r] = src[r*lds + c] for an 8×8 block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint lds, float* dst, nint ldd)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + lds);
        Vector256<float> r2 = Avx.LoadVector256(src + (2 * lds)), r3 = Avx.LoadVector256(src + (3 * lds));
        Vector256<float> r4 = Avx.LoadVector256(src + (4 * lds)), r5 = Avx.LoadVector256(src + (5 * lds));
        Vector256<float> r6 = Avx.LoadVector256(src + (6 * lds)), r7 = Avx.LoadVector256(src + (7 * lds));
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + (2 * ldd), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + (3 * ldd), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + (4 * ldd), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + (5 * ldd), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + (6 * ldd), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + (7 * ldd), Avx.Permute2x128(u3, u7, 0x31));
    }

    // ------------------------------------------------------------------ broadcast form

    private static void Broadcast(float* a, nint sRow, nint sP, float* b, nint ldb, float* c, nint ldc, int m, int n, int k, bool accumulate)
    {
        for (int j = 0; j < n; j += 16)
        {
            int cols = Math.Min(16, n - j);
            Vector256<float> mask = TailMask(cols & 7);
            for (int i = 0; i < m; i += 6)
            {
                int rows = Math.Min(6, m - i);
                float* ai = a + (i * sRow);
                float* ci = c + (i * ldc) + j;
                if (cols == 16)
                {
                    Rows<C2, NoMask>(rows, k, ai, sRow, sP, b + j, ldb, ci, ldc, accumulate, mask);
                }
                else if (cols > 8)
                {
                    Rows<C2, Masked>(rows, k, ai, sRow, sP, b + j, ldb, ci, ldc, accumulate, mask);
                }
                else if (cols == 8)
                {
                    Rows<C1, NoMask>(rows, k, ai, sRow, sP, b + j, ldb, ci, ldc, accumulate, mask);
                }
                else
                {
                    Rows<C1, Masked>(rows, k, ai, sRow, sP, b + j, ldb, ci, ldc, accumulate, mask);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows<TVecs, TMask>(int rows, int k, float* a, nint sRow, nint sP, float* b, nint ldb, float* c, nint ldc, bool acc, Vector256<float> mask)
        where TVecs : struct, GemmMicroKernel.IConst
        where TMask : struct, IFlag
    {
        switch (rows)
        {
            case 6: Tile<C6, TVecs, TMask>(k, a, sRow, sP, b, ldb, c, ldc, acc, mask); break;
            case 5: Tile<C5, TVecs, TMask>(k, a, sRow, sP, b, ldb, c, ldc, acc, mask); break;
            case 4: Tile<C4, TVecs, TMask>(k, a, sRow, sP, b, ldb, c, ldc, acc, mask); break;
            case 3: Tile<C3, TVecs, TMask>(k, a, sRow, sP, b, ldb, c, ldc, acc, mask); break;
            case 2: Tile<C2, TVecs, TMask>(k, a, sRow, sP, b, ldb, c, ldc, acc, mask); break;
            default: Tile<C1, TVecs, TMask>(k, a, sRow, sP, b, ldb, c, ldc, acc, mask); break;
        }
    }

    /// <summary>
    /// TRows × (TVecs·8) tile of C; with <typeparamref name="TMask"/> the last 8-column vector is masked by
    /// <paramref name="mask"/>. A element (r, p) at <c>a[r*sRow + p*sP]</c>, B row p at <c>b + p*ldb</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows, TVecs, TMask>(int k, float* a, nint sRow, nint sP, float* b, nint ldb, float* c, nint ldc, bool acc, Vector256<float> mask)
        where TRows : struct, GemmMicroKernel.IConst
        where TVecs : struct, GemmMicroKernel.IConst
        where TMask : struct, IFlag
    {
        int rows = TRows.Value;
        bool two = TVecs.Value == 2;
        bool m0 = TMask.Value && !two;
        bool m1 = TMask.Value && two;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        if (acc)
        {
            Load(c, ref c00, ref c01, two, m0, m1, mask);
            if (rows > 1)
            {
                Load(c + ldc, ref c10, ref c11, two, m0, m1, mask);
            }

            if (rows > 2)
            {
                Load(c + (2 * ldc), ref c20, ref c21, two, m0, m1, mask);
            }

            if (rows > 3)
            {
                Load(c + (3 * ldc), ref c30, ref c31, two, m0, m1, mask);
            }

            if (rows > 4)
            {
                Load(c + (4 * ldc), ref c40, ref c41, two, m0, m1, mask);
            }

            if (rows > 5)
            {
                Load(c + (5 * ldc), ref c50, ref c51, two, m0, m1, mask);
            }
        }

        nint s2 = 2 * sRow, s3 = 3 * sRow, s4 = 4 * sRow, s5 = 5 * sRow;
        for (int p = 0; p < k; p++)
        {
            Vector256<float> b0 = m0 ? Avx.MaskLoad(b, mask) : Avx.LoadVector256(b);
            Vector256<float> b1 = two ? (m1 ? Avx.MaskLoad(b + 8, mask) : Avx.LoadVector256(b + 8)) : default;
            Vector256<float> av = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            if (two)
            {
                c01 = Fma.MultiplyAdd(av, b1, c01);
            }

            if (rows > 1)
            {
                av = Avx.BroadcastScalarToVector256(a + sRow);
                c10 = Fma.MultiplyAdd(av, b0, c10);
                if (two)
                {
                    c11 = Fma.MultiplyAdd(av, b1, c11);
                }
            }

            if (rows > 2)
            {
                av = Avx.BroadcastScalarToVector256(a + s2);
                c20 = Fma.MultiplyAdd(av, b0, c20);
                if (two)
                {
                    c21 = Fma.MultiplyAdd(av, b1, c21);
                }
            }

            if (rows > 3)
            {
                av = Avx.BroadcastScalarToVector256(a + s3);
                c30 = Fma.MultiplyAdd(av, b0, c30);
                if (two)
                {
                    c31 = Fma.MultiplyAdd(av, b1, c31);
                }
            }

            if (rows > 4)
            {
                av = Avx.BroadcastScalarToVector256(a + s4);
                c40 = Fma.MultiplyAdd(av, b0, c40);
                if (two)
                {
                    c41 = Fma.MultiplyAdd(av, b1, c41);
                }
            }

            if (rows > 5)
            {
                av = Avx.BroadcastScalarToVector256(a + s5);
                c50 = Fma.MultiplyAdd(av, b0, c50);
                if (two)
                {
                    c51 = Fma.MultiplyAdd(av, b1, c51);
                }
            }

            a += sP;
            b += ldb;
        }

        Store(c, c00, c01, two, m0, m1, mask);
        if (rows > 1)
        {
            Store(c + ldc, c10, c11, two, m0, m1, mask);
        }

        if (rows > 2)
        {
            Store(c + (2 * ldc), c20, c21, two, m0, m1, mask);
        }

        if (rows > 3)
        {
            Store(c + (3 * ldc), c30, c31, two, m0, m1, mask);
        }

        if (rows > 4)
        {
            Store(c + (4 * ldc), c40, c41, two, m0, m1, mask);
        }

        if (rows > 5)
        {
            Store(c + (5 * ldc), c50, c51, two, m0, m1, mask);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Load(float* c, ref Vector256<float> v0, ref Vector256<float> v1, bool two, bool m0, bool m1, Vector256<float> mask)
    {
        v0 = m0 ? Avx.MaskLoad(c, mask) : Avx.LoadVector256(c);
        if (two)
        {
            v1 = m1 ? Avx.MaskLoad(c + 8, mask) : Avx.LoadVector256(c + 8);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> v0, Vector256<float> v1, bool two, bool m0, bool m1, Vector256<float> mask)
    {
        if (m0)
        {
            Avx.MaskStore(c, mask, v0);
        }
        else
        {
            Avx.Store(c, v0);
        }

        if (two)
        {
            if (m1)
            {
                Avx.MaskStore(c + 8, mask, v1);
            }
            else
            {
                Avx.Store(c + 8, v1);
            }
        }
    }

    // ------------------------------------------------------------------ dot form

    /// <summary>C[m×n] (+)= A·Bᵀ with A stored [m, k] and B stored [n, k] (both rows contiguous over k).</summary>
    private static void Dot(float* a, float* b, float* c, int m, int n, int k, bool accumulate)
    {
        Vector256<float> kMask = TailMask(k & 7);
        int kFull = k & ~7;
        int i = 0;
        for (; i + 2 <= m; i += 2)
        {
            float* a0 = a + ((nint)i * k);
            for (int j = 0; j < n; j += 4)
            {
                Dot2x4(a0, a0 + k, b, j, n, k, kFull, kMask, c + ((nint)i * n), n, accumulate);
            }
        }

        if (i < m)
        {
            float* a0 = a + ((nint)i * k);
            for (int j = 0; j < n; j += 8)
            {
                Dot1x8(a0, b, j, n, k, kFull, kMask, c + ((nint)i * n), accumulate);
            }
        }
    }

    /// <summary>Rows (a0, a1) of C, columns j..j+3 (clamped to n): 8 dot products over k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot2x4(float* a0, float* a1, float* b, int j, int n, int k, int kFull, Vector256<float> kMask, float* c, nint ldc, bool acc)
    {
        int cols = Math.Min(4, n - j);
        float* b0 = b + ((nint)j * k);
        float* b1 = b + ((nint)Math.Min(j + 1, n - 1) * k);
        float* b2 = b + ((nint)Math.Min(j + 2, n - 1) * k);
        float* b3 = b + ((nint)Math.Min(j + 3, n - 1) * k);
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        int p = 0;
        for (; p < kFull; p += 8)
        {
            Vector256<float> x0 = Avx.LoadVector256(a0 + p), x1 = Avx.LoadVector256(a1 + p);
            Vector256<float> y = Avx.LoadVector256(b0 + p);
            s0 = Fma.MultiplyAdd(x0, y, s0);
            s4 = Fma.MultiplyAdd(x1, y, s4);
            y = Avx.LoadVector256(b1 + p);
            s1 = Fma.MultiplyAdd(x0, y, s1);
            s5 = Fma.MultiplyAdd(x1, y, s5);
            y = Avx.LoadVector256(b2 + p);
            s2 = Fma.MultiplyAdd(x0, y, s2);
            s6 = Fma.MultiplyAdd(x1, y, s6);
            y = Avx.LoadVector256(b3 + p);
            s3 = Fma.MultiplyAdd(x0, y, s3);
            s7 = Fma.MultiplyAdd(x1, y, s7);
        }

        if (p < k)
        {
            Vector256<float> x0 = Avx.MaskLoad(a0 + p, kMask), x1 = Avx.MaskLoad(a1 + p, kMask);
            Vector256<float> y = Avx.MaskLoad(b0 + p, kMask);
            s0 = Fma.MultiplyAdd(x0, y, s0);
            s4 = Fma.MultiplyAdd(x1, y, s4);
            y = Avx.MaskLoad(b1 + p, kMask);
            s1 = Fma.MultiplyAdd(x0, y, s1);
            s5 = Fma.MultiplyAdd(x1, y, s5);
            y = Avx.MaskLoad(b2 + p, kMask);
            s2 = Fma.MultiplyAdd(x0, y, s2);
            s6 = Fma.MultiplyAdd(x1, y, s6);
            y = Avx.MaskLoad(b3 + p, kMask);
            s3 = Fma.MultiplyAdd(x0, y, s3);
            s7 = Fma.MultiplyAdd(x1, y, s7);
        }

        Vector256<float> sums = Reduce8(s0, s1, s2, s3, s4, s5, s6, s7);
        Vector128<float> r0 = sums.GetLower(), r1 = sums.GetUpper();
        float* c0 = c + j, c1 = c + ldc + j;
        if (cols == 4)
        {
            if (acc)
            {
                r0 = Sse.Add(r0, Sse.LoadVector128(c0));
                r1 = Sse.Add(r1, Sse.LoadVector128(c1));
            }

            Sse.Store(c0, r0);
            Sse.Store(c1, r1);
        }
        else
        {
            Vector128<float> m = TailMask(cols).GetLower();
            if (acc)
            {
                r0 = Sse.Add(r0, Avx.MaskLoad(c0, m));
                r1 = Sse.Add(r1, Avx.MaskLoad(c1, m));
            }

            Avx.MaskStore(c0, m, r0);
            Avx.MaskStore(c1, m, r1);
        }
    }

    /// <summary>Row a0 of C, columns j..j+7 (clamped to n): 8 dot products over k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot1x8(float* a0, float* b, int j, int n, int k, int kFull, Vector256<float> kMask, float* c, bool acc)
    {
        int cols = Math.Min(8, n - j);
        int last = n - 1;
        float* b0 = b + ((nint)j * k);
        float* b1 = b + ((nint)Math.Min(j + 1, last) * k);
        float* b2 = b + ((nint)Math.Min(j + 2, last) * k);
        float* b3 = b + ((nint)Math.Min(j + 3, last) * k);
        float* b4 = b + ((nint)Math.Min(j + 4, last) * k);
        float* b5 = b + ((nint)Math.Min(j + 5, last) * k);
        float* b6 = b + ((nint)Math.Min(j + 6, last) * k);
        float* b7 = b + ((nint)Math.Min(j + 7, last) * k);
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        int p = 0;
        for (; p < kFull; p += 8)
        {
            Vector256<float> x = Avx.LoadVector256(a0 + p);
            s0 = Fma.MultiplyAdd(x, Avx.LoadVector256(b0 + p), s0);
            s1 = Fma.MultiplyAdd(x, Avx.LoadVector256(b1 + p), s1);
            s2 = Fma.MultiplyAdd(x, Avx.LoadVector256(b2 + p), s2);
            s3 = Fma.MultiplyAdd(x, Avx.LoadVector256(b3 + p), s3);
            s4 = Fma.MultiplyAdd(x, Avx.LoadVector256(b4 + p), s4);
            s5 = Fma.MultiplyAdd(x, Avx.LoadVector256(b5 + p), s5);
            s6 = Fma.MultiplyAdd(x, Avx.LoadVector256(b6 + p), s6);
            s7 = Fma.MultiplyAdd(x, Avx.LoadVector256(b7 + p), s7);
        }

        if (p < k)
        {
            Vector256<float> x = Avx.MaskLoad(a0 + p, kMask);
            s0 = Fma.MultiplyAdd(x, Avx.MaskLoad(b0 + p, kMask), s0);
            s1 = Fma.MultiplyAdd(x, Avx.MaskLoad(b1 + p, kMask), s1);
            s2 = Fma.MultiplyAdd(x, Avx.MaskLoad(b2 + p, kMask), s2);
            s3 = Fma.MultiplyAdd(x, Avx.MaskLoad(b3 + p, kMask), s3);
            s4 = Fma.MultiplyAdd(x, Avx.MaskLoad(b4 + p, kMask), s4);
            s5 = Fma.MultiplyAdd(x, Avx.MaskLoad(b5 + p, kMask), s5);
            s6 = Fma.MultiplyAdd(x, Avx.MaskLoad(b6 + p, kMask), s6);
            s7 = Fma.MultiplyAdd(x, Avx.MaskLoad(b7 + p, kMask), s7);
        }

        Vector256<float> sums = Reduce8(s0, s1, s2, s3, s4, s5, s6, s7);
        float* c0 = c + j;
        if (cols == 8)
        {
            if (acc)
            {
                sums = Avx.Add(sums, Avx.LoadVector256(c0));
            }

            Avx.Store(c0, sums);
        }
        else
        {
            Vector256<float> m = TailMask(cols);
            if (acc)
            {
                sums = Avx.Add(sums, Avx.MaskLoad(c0, m));
            }

            Avx.MaskStore(c0, m, sums);
        }
    }

    /// <summary>The horizontal sums of eight vectors, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Reduce8(
        Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3,
        Vector256<float> v4, Vector256<float> v5, Vector256<float> v6, Vector256<float> v7)
    {
        Vector256<float> q0 = Avx.HorizontalAdd(Avx.HorizontalAdd(v0, v1), Avx.HorizontalAdd(v2, v3));
        Vector256<float> q1 = Avx.HorizontalAdd(Avx.HorizontalAdd(v4, v5), Avx.HorizontalAdd(v6, v7));
        return Avx.Add(Avx.Permute2x128(q0, q1, 0x20), Avx.Permute2x128(q0, q1, 0x31));
    }

    /// <summary>A mask with the first <paramref name="count"/> lanes set (count in 0..8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TailMask(int count) =>
        Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).AsSingle();

    /// <summary>A compile-time flag carried by a struct type argument.</summary>
    private interface IFlag
    {
        static abstract bool Value { get; }
    }

    private readonly struct Masked : IFlag
    {
        public static bool Value => true;
    }

    private readonly struct NoMask : IFlag
    {
        public static bool Value => false;
    }

    private readonly struct C1 : GemmMicroKernel.IConst
    {
        public static int Value => 1;
    }

    private readonly struct C2 : GemmMicroKernel.IConst
    {
        public static int Value => 2;
    }

    private readonly struct C3 : GemmMicroKernel.IConst
    {
        public static int Value => 3;
    }

    private readonly struct C4 : GemmMicroKernel.IConst
    {
        public static int Value => 4;
    }

    private readonly struct C5 : GemmMicroKernel.IConst
    {
        public static int Value => 5;
    }

    private readonly struct C6 : GemmMicroKernel.IConst
    {
        public static int Value => 6;
    }
}
