using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The single-threaded blocked GEMM loops (BLIS loops 5..1 around the micro-kernel) on raw pointers, with the
/// per-thread pack buffers, for either kernel width (<see cref="GemmKernel256"/>, <see cref="GemmKernel512"/>).
/// </summary>
/// <remarks>
/// A KC×NR B micro-panel stays in L1 while MR×KC A micro-panels stream from an MC×KC A block held in L2; the KC×NC
/// B block lives in L3. KC is the same for both widths and fixed (it decides where partial sums are added to C, so
/// it is part of the summation order); MC and NC only move data and may follow the cache sizes.
/// </remarks>
internal static unsafe class GemmBlocked
{
    /// <summary>Depth of a packed block (both widths: the results of the two are bit-identical).</summary>
    public const int KC = 256;

    [ThreadStatic]
    private static float[]? t_packA;

    [ThreadStatic]
    private static float[]? t_packB;

    [ThreadStatic]
    private static float[]? t_edgeB;

    [ThreadStatic]
    private static float[]? t_packB2;

    /// <summary>
    /// C[m×n] (+)= op(A)·op(B) for one region with the 256-bit kernels: the entry of the convolutions, which call
    /// the blocked loops per kernel tap on image bands. Their 512-bit variant measured no faster on the AVX-512
    /// development host (23 benchmark shapes, geometric mean of time ratios 0.91 at 1 thread and 0.99 at 2, noisy),
    /// so they stay narrow; <see cref="Gemm"/> picks the width with <see cref="RunOnWidth"/>.
    /// Element (i, p) of op(A) is <c>a[i*lda + p]</c> (or <c>a[p*lda + i]</c> when <paramref name="transA"/>);
    /// element (p, j) of op(B) is <c>b[p*ldb + j]</c> (or <c>b[j*ldb + p]</c>); element (i, j) of C is
    /// <c>c[i*ldc + j]</c>.
    /// </summary>
    public static void Run(
        float* a, bool transA, nint lda, float* b, bool transB, nint ldb, float* c, nint ldc,
        int m, int n, int k, bool accumulate) =>
        RunOnWidth(a, transA, lda, b, transB, ldb, c, ldc, m, n, k, accumulate, wide: false);

    /// <summary><see cref="Run"/> with the width given: 512-bit kernels when <paramref name="wide"/>, else 256-bit.</summary>
    public static void RunOnWidth(
        float* a, bool transA, nint lda, float* b, bool transB, nint ldb, float* c, nint ldc,
        int m, int n, int k, bool accumulate, bool wide)
    {
        if (wide)
        {
            Run<GemmKernel512>(a, transA, lda, b, transB, ldb, c, ldc, m, n, k, accumulate);
        }
        else
        {
            Run<GemmKernel256>(a, transA, lda, b, transB, ldb, c, ldc, m, n, k, accumulate);
        }
    }

    private static void Run<TKernel>(
        float* a, bool transA, nint lda, float* b, bool transB, nint ldb, float* c, nint ldc,
        int m, int n, int k, bool accumulate)
        where TKernel : struct, IGemmKernel
    {
        int mr = TKernel.MR, nr = TKernel.NR, mcMax = TKernel.MC, ncMax = TKernel.NC;
        int kcMax = Math.Min(k, KC);
        bool directB = !transB && TKernel.ReadsBInPlace(m, ldb, kcMax);
        float* packA = Buffer(ref t_packA, RoundUp(Math.Min(m, mcMax), mr) * kcMax);
        float* packB = directB
            ? Buffer(ref t_edgeB, nr * kcMax)
            : Buffer(ref t_packB, RoundUp(Math.Min(n, ncMax), nr) * kcMax);

        for (int jc = 0; jc < n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n - jc);
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                bool first = pc == 0 && !accumulate;
                float* bBlock = transB ? b + (jc * ldb) + pc : b + (pc * ldb) + jc;
                if (!directB)
                {
                    GemmPacking.PackB(bBlock, transB, ldb, kc, nc, packB, nr);
                }

                for (int ic = 0; ic < m; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, m - ic);
                    float* aBlock = transA ? a + (pc * lda) + ic : a + (ic * lda) + pc;
                    GemmPacking.PackAPanels(aBlock, transA, lda, mc, kc, packA, mr);
                    float* cBlock = c + (ic * ldc) + jc;
                    if (directB)
                    {
                        MacroDirect<TKernel>(packA, bBlock, ldb, packB, cBlock, ldc, mc, nc, kc, first);
                    }
                    else
                    {
                        MacroPacked<TKernel>(packA, packB, cBlock, ldc, mc, nc, kc, first);
                    }
                }
            }
        }
    }

    /// <summary>Whether <see cref="RunPairTransposedA"/> takes products of n1 and n2 columns: one column block each.</summary>
    public static bool TakesPair(int n1, int n2, bool wide) => Math.Max(n1, n2) <= (wide ? GemmKernel512.NC : GemmKernel256.NC);

    /// <summary>
    /// C1[m×n1] (+)= Aᵀ·B1 and C2[m×n2] (+)= Aᵀ·B2 with A stored [k, m] and B1, B2 stored [k, n1], [k, n2] (all
    /// contiguous): <see cref="RunOnWidth"/> twice with each block of A packed once for both products — the two
    /// weight gradients of an LSTM, dGᵀ·H and dGᵀ·X. Same blocks, same micro-kernel calls in the same k order, so the
    /// same bits as two <see cref="RunOnWidth"/> calls. When <paramref name="colSum"/> is not null it receives the
    /// column sums of the stored A (the k rows added in order, [m]), read while A is packed. Needs
    /// <see cref="TakesPair"/>.
    /// </summary>
    public static void RunPairTransposedA(
        float* a, float* b1, float* c1, int n1, float* b2, float* c2, int n2, int m, int k, bool accumulate, float* colSum, bool wide)
    {
        if (wide)
        {
            RunPair<GemmKernel512>(a, b1, c1, n1, b2, c2, n2, m, k, accumulate, colSum);
        }
        else
        {
            RunPair<GemmKernel256>(a, b1, c1, n1, b2, c2, n2, m, k, accumulate, colSum);
        }
    }

    private static void RunPair<TKernel>(
        float* a, float* b1, float* c1, int n1, float* b2, float* c2, int n2, int m, int k, bool accumulate, float* colSum)
        where TKernel : struct, IGemmKernel
    {
        int mr = TKernel.MR, nr = TKernel.NR, mcMax = TKernel.MC;
        int kcMax = Math.Min(k, KC);
        bool direct1 = TKernel.ReadsBInPlace(m, n1, kcMax), direct2 = TKernel.ReadsBInPlace(m, n2, kcMax);
        float* packA = Buffer(ref t_packA, RoundUp(Math.Min(m, mcMax), mr) * kcMax);
        float* edge = direct1 || direct2 ? Buffer(ref t_edgeB, nr * kcMax) : null;
        float* pack1 = direct1 ? edge : Buffer(ref t_packB, RoundUp(n1, nr) * kcMax);
        float* pack2 = direct2 ? edge : Buffer(ref t_packB2, RoundUp(n2, nr) * kcMax);
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            bool first = pc == 0 && !accumulate;
            float* b1Block = b1 + ((nint)pc * n1), b2Block = b2 + ((nint)pc * n2);
            if (!direct1)
            {
                GemmPacking.PackB(b1Block, false, n1, kc, n1, pack1, nr);
            }

            if (!direct2)
            {
                GemmPacking.PackB(b2Block, false, n2, kc, n2, pack2, nr);
            }

            for (int ic = 0; ic < m; ic += mcMax)
            {
                int mc = Math.Min(mcMax, m - ic);
                float* aBlock = a + ((nint)pc * m) + ic;
                if (colSum != null)
                {
                    GemmPacking.PackATransposedSummed(aBlock, m, mc, kc, packA, mr, colSum + ic, start: pc == 0);
                }
                else
                {
                    GemmPacking.PackAPanels(aBlock, true, m, mc, kc, packA, mr);
                }

                Macro<TKernel>(direct1, packA, b1Block, n1, pack1, c1 + ((nint)ic * n1), mc, n1, kc, first);
                Macro<TKernel>(direct2, packA, b2Block, n2, pack2, c2 + ((nint)ic * n2), mc, n2, kc, first);
            }
        }
    }

    /// <summary>One A block times one B block (read in place or packed) into C, whose row stride is <paramref name="n"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Macro<TKernel>(bool direct, float* packA, float* bBlock, int n, float* packB, float* c, int mc, int nc, int kc, bool first)
        where TKernel : struct, IGemmKernel
    {
        if (direct)
        {
            MacroDirect<TKernel>(packA, bBlock, n, packB, c, n, mc, nc, kc, first);
        }
        else
        {
            MacroPacked<TKernel>(packA, packB, c, n, mc, nc, kc, first);
        }
    }

    /// <summary>Floats of an m×k A operand packed by <see cref="GemmPacking.PackA"/> for <see cref="RunPackedA"/>.</summary>
    public static int PackedALength(int m, int k) => RoundUp(m, GemmMicroKernel.MR) * k;

    /// <summary>Whether <see cref="RunPackedA"/> takes an m×k A: one A block (m ≤ MC, k ≤ KC), B read in place.</summary>
    public static bool TakesPackedA(int m, int k) => m <= GemmKernel256.DirectBMaxRows && k <= KC;

    /// <summary>
    /// <see cref="Run"/> with A already
    /// packed for the 256-bit kernel (by <see cref="GemmPacking.PackA"/> with
    /// mc = m, kc = k; see <see cref="TakesPackedA"/>) and B [k, n] read in place: for products repeated with the
    /// same A.
    /// </summary>
    public static void RunPackedA(float* packA, float* b, nint ldb, float* c, nint ldc, int m, int n, int k, bool accumulate)
    {
        float* edge = Buffer(ref t_edgeB, GemmKernel256.NR * k);
        int ncMax = GemmKernel256.NC;
        for (int jc = 0; jc < n; jc += ncMax)
        {
            MacroDirect<GemmKernel256>(packA, b + jc, ldb, edge, c + jc, ldc, m, Math.Min(ncMax, n - jc), k, !accumulate);
        }
    }

    /// <summary>The two loops around the micro-kernel, B packed.</summary>
    private static void MacroPacked<TKernel>(float* packA, float* packB, float* c, nint ldc, int mc, int nc, int kc, bool first)
        where TKernel : struct, IGemmKernel
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* bp = packB + ((nint)jr * kc);
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                TKernel.Run(rows, cols, kc, packA + ((nint)ir * kc), bp, nr, c + (ir * ldc) + jr, ldc, first);
            }
        }
    }

    /// <summary>
    /// Whether <see cref="MacroDirect{TKernel}"/> copies each strip of B (<paramref name="kc"/> rows,
    /// <paramref name="ldb"/> floats apart) into a contiguous buffer once for its <paramref name="tiles"/> row tiles,
    /// rather than letting every tile read it in place: for at least four tiles, strips at least 96 rows deep, and row
    /// strides that are multiples of 512 floats.
    /// </summary>
    /// <remarks>
    /// The L1's 64 sets repeat every 4 KiB, so rows a multiple of 2 KiB apart fall in at most two set positions (and
    /// a page or half a page each): a strip of a few hundred such rows cannot stay in L1 between the row tiles, and
    /// each tile fetches it again. Copied, it is 16 KiB contiguous. With fewer tiles, shallower strips or other
    /// strides the copy cost more than it saved. Zen 1, 1 thread, the two ways alternated 15 times in one process
    /// (medians of 60 ms windows; in place ÷ copied, over one to four runs): copied 32×512×256 1.11–1.29, 32×1024×256
    /// 1.20–1.56, 48×512×432 1.35, 48×2048×432 1.19–1.29, 48×1024×100 1.17–1.18, 24×1024×256 1.17–1.20, 20×1024×256
    /// 1.10–1.15, 32×1536×256 1.06, 32×512×128 0.94–1.06; left in place 12×1024×256 (two tiles) 0.84–0.93,
    /// 18×1024×256 (three) 0.91–0.98, 32×512×64 0.94, 32×2048×32 0.77, 32×256×256 0.92, 32×128×512 0.90,
    /// 48×200×256 0.94, 48×11025×432 0.98. The values read are the same, so are the bits.
    /// </remarks>
    internal static bool CopiesStrips(nint ldb, int kc, int tiles) => tiles >= 4 && kc >= 96 && ldb % 512 == 0;

    /// <summary>
    /// The two loops around the micro-kernel, B read in place; a ragged last strip is packed, and so is every strip
    /// where <see cref="CopiesStrips"/> says so.
    /// </summary>
    private static void MacroDirect<TKernel>(float* packA, float* b, nint ldb, float* edge, float* c, nint ldc, int mc, int nc, int kc, bool first)
        where TKernel : struct, IGemmKernel
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        bool inPlace = !CopiesStrips(ldb, kc, (mc + mr - 1) / mr);
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* bp;
            nint rsB;
            if (inPlace && (cols == nr || cols == nr / 2))
            {
                bp = b + jr;
                rsB = ldb;
            }
            else
            {
                GemmPacking.PackBRows(b + jr, ldb, kc, cols, edge, nr);
                bp = edge;
                rsB = nr;
            }

            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                TKernel.Run(rows, cols, kc, packA + ((nint)ir * kc), bp, rsB, c + (ir * ldc) + jr, ldc, first);
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
