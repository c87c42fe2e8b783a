using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The single-threaded blocked GEMM loops (BLIS loops 5..1 around the micro-kernel) on raw pointers, with the
/// per-thread pack buffers.
/// </summary>
/// <remarks>
/// Block sizes for the 2-core AMD EPYC (Zen 4, AVX2 only) this engine is tuned on: 32 KiB L1d, 1 MiB L2 per core,
/// 32 MiB shared L3. A KC×NR B micro-panel (16 KiB at KC = 256) stays in L1 while MR×KC A micro-panels stream from
/// an MC×KC A block held in L2 (144 KiB at MC = 144); the KC×NC B block (4 MiB) lives in L3.
/// </remarks>
internal static unsafe class GemmBlocked
{
    /// <summary>Rows of A per packed block (a multiple of <see cref="GemmMicroKernel.MR"/>).</summary>
    public const int MC = 144;

    /// <summary>Depth of a packed block.</summary>
    public const int KC = 256;

    /// <summary>Columns of B per packed block (a multiple of <see cref="GemmMicroKernel.NR"/>).</summary>
    public const int NC = 4080;

    /// <summary>With at most this many rows of C, B is read in place (its 16-column strips stay in L1 across rows).</summary>
    public const int DirectBMaxRows = 48;

    private const int MR = GemmMicroKernel.MR;
    private const int NR = GemmMicroKernel.NR;

    [ThreadStatic]
    private static float[]? t_packA;

    [ThreadStatic]
    private static float[]? t_packB;

    [ThreadStatic]
    private static float[]? t_edgeB;

    /// <summary>
    /// C[m×n] (+)= op(A)·op(B) for one region. Element (i, p) of op(A) is <c>a[i*lda + p]</c> (or <c>a[p*lda + i]</c>
    /// when <paramref name="transA"/>); element (p, j) of op(B) is <c>b[p*ldb + j]</c> (or <c>b[j*ldb + p]</c>);
    /// element (i, j) of C is <c>c[i*ldc + j]</c>.
    /// </summary>
    public static void Run(
        float* a, bool transA, nint lda, float* b, bool transB, nint ldb, float* c, nint ldc,
        int m, int n, int k, bool accumulate)
    {
        bool directB = !transB && m <= DirectBMaxRows;
        int kcMax = Math.Min(k, KC);
        float* packA = Buffer(ref t_packA, RoundUp(Math.Min(m, MC), MR) * kcMax);
        float* packB = directB
            ? Buffer(ref t_edgeB, NR * kcMax)
            : Buffer(ref t_packB, RoundUp(Math.Min(n, NC), NR) * kcMax);

        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                bool first = pc == 0 && !accumulate;
                float* bBlock = transB ? b + (jc * ldb) + pc : b + (pc * ldb) + jc;
                if (!directB)
                {
                    GemmPacking.PackB(bBlock, transB, ldb, kc, nc, packB);
                }

                for (int ic = 0; ic < m; ic += MC)
                {
                    int mc = Math.Min(MC, m - ic);
                    float* aBlock = transA ? a + (pc * lda) + ic : a + (ic * lda) + pc;
                    GemmPacking.PackA(aBlock, transA, lda, mc, kc, packA);
                    float* cBlock = c + (ic * ldc) + jc;
                    if (directB)
                    {
                        MacroDirect(packA, bBlock, ldb, packB, cBlock, ldc, mc, nc, kc, first);
                    }
                    else
                    {
                        MacroPacked(packA, packB, cBlock, ldc, mc, nc, kc, first);
                    }
                }
            }
        }
    }

    /// <summary>Floats of an m×k A operand packed by <see cref="GemmPacking.PackA"/> for <see cref="RunPackedA"/>.</summary>
    public static int PackedALength(int m, int k) => RoundUp(m, MR) * k;

    /// <summary>Whether <see cref="RunPackedA"/> takes an m×k A: one A block (m ≤ MC, k ≤ KC), B read in place.</summary>
    public static bool TakesPackedA(int m, int k) => m <= DirectBMaxRows && k <= KC;

    /// <summary>
    /// <see cref="Run"/> with A already packed (by <see cref="GemmPacking.PackA"/> with mc = m, kc = k; see
    /// <see cref="TakesPackedA"/>) and B [k, n] read in place: for products repeated with the same A.
    /// </summary>
    public static void RunPackedA(float* packA, float* b, nint ldb, float* c, nint ldc, int m, int n, int k, bool accumulate)
    {
        float* edge = Buffer(ref t_edgeB, NR * k);
        for (int jc = 0; jc < n; jc += NC)
        {
            MacroDirect(packA, b + jc, ldb, edge, c + jc, ldc, m, Math.Min(NC, n - jc), k, !accumulate);
        }
    }

    /// <summary>The two loops around the micro-kernel, B packed.</summary>
    private static void MacroPacked(float* packA, float* packB, float* c, nint ldc, int mc, int nc, int kc, bool first)
    {
        for (int jr = 0; jr < nc; jr += NR)
        {
            int cols = Math.Min(NR, nc - jr);
            float* bp = packB + ((nint)jr * kc);
            for (int ir = 0; ir < mc; ir += MR)
            {
                int rows = Math.Min(MR, mc - ir);
                GemmMicroKernel.Run(rows, cols, kc, packA + ((nint)ir * kc), bp, NR, c + (ir * ldc) + jr, ldc, first);
            }
        }
    }

    /// <summary>The two loops around the micro-kernel, B read in place (a ragged last strip is packed).</summary>
    private static void MacroDirect(float* packA, float* b, nint ldb, float* edge, float* c, nint ldc, int mc, int nc, int kc, bool first)
    {
        for (int jr = 0; jr < nc; jr += NR)
        {
            int cols = Math.Min(NR, nc - jr);
            float* bp;
            nint rsB;
            if (cols == NR || cols == 8)
            {
                bp = b + jr;
                rsB = ldb;
            }
            else
            {
                GemmPacking.PackBRows(b + jr, ldb, kc, cols, edge);
                bp = edge;
                rsB = NR;
            }

            for (int ir = 0; ir < mc; ir += MR)
            {
                int rows = Math.Min(MR, mc - ir);
                GemmMicroKernel.Run(rows, cols, kc, packA + ((nint)ir * kc), bp, rsB, c + (ir * ldc) + jr, ldc, first);
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>A 64-byte-aligned pointer to at least <paramref name="floats"/> floats of a cached pinned array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Buffer(ref float[]? cache, int floats)
    {
        if (cache is null || cache.Length < floats + 16)
        {
            cache = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
        }

        nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(cache));
        return (float*)((p + 63) & ~(nint)63);
    }
}
