using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The 512-bit register-blocked micro-kernels of <see cref="Gemm"/>, used where <see cref="GemmWidth.Wide"/>
/// (BLIS-style, like <see cref="GemmMicroKernel"/> at twice the width and twice the rows).
/// </summary>
/// <remarks>
/// A tile of at most <see cref="MR"/>×<see cref="NR"/> (12×32) of C lives in up to 24 of the 32 ZMM registers; each
/// step over the inner dimension broadcasts up to 12 values of A and loads 32 (or 16) contiguous values of B, so 24
/// FMAs cover 14 loads. A KC×32 B micro-panel (32 KiB at KC = 256) stays in L1 while 12×KC A micro-panels stream
/// from L2. Written with the portable <see cref="Vector512"/> API, so it also runs (emulated, slowly) on hosts
/// without AVX-512 — the tests use that to check it everywhere. Every element is summed exactly as in the 256-bit
/// kernel (one fused multiply-add per step, from zero, then stored or added to C), so both give identical bits.
/// A is a packed micro-panel: element (r, p) at <c>a[p*MR + r]</c>. B is a packed micro-panel or B itself: row p of
/// the tile at <c>b + p*rsB</c>.
/// </remarks>
internal static unsafe class GemmMicroKernel512
{
    /// <summary>Rows of the C tile (A panel width).</summary>
    public const int MR = 12;

    /// <summary>Columns of the C tile (B panel width).</summary>
    public const int NR = 32;

    /// <summary>
    /// C[rows×cols] (=|+=) A-panel · B-panel with <paramref name="rows"/> in 1..12 and <paramref name="cols"/> in 1..32.
    /// Column counts other than 16 or 32 go through a stack tile (B must then be readable, zero-padded, to the next
    /// multiple of 16 columns).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int rows, int cols, int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first)
    {
        if (cols == NR)
        {
            Dispatch32(rows, kc, a, b, rsB, c, ldc, first);
        }
        else if (cols == 16)
        {
            Dispatch16(rows, kc, a, b, rsB, c, ldc, first);
        }
        else
        {
            Edge(rows, cols, kc, a, b, rsB, c, ldc, first);
        }
    }

    private static void Edge(int rows, int cols, int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first)
    {
        float* tile = stackalloc float[MR * NR];
        if (cols > 16)
        {
            Dispatch32(rows, kc, a, b, rsB, tile, NR, first: true);
        }
        else if (cols > 8)
        {
            Dispatch16(rows, kc, a, b, rsB, tile, NR, first: true);
        }
        else
        {
            Dispatch8(rows, kc, a, b, rsB, tile, NR);
        }

        for (int r = 0; r < rows; r++)
        {
            float* src = tile + (r * NR);
            float* dst = c + (r * ldc);
            if (first)
            {
                for (int j = 0; j < cols; j++)
                {
                    dst[j] = src[j];
                }
            }
            else
            {
                for (int j = 0; j < cols; j++)
                {
                    dst[j] += src[j];
                }
            }
        }
    }

    private static void Dispatch32(int rows, int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first)
    {
        switch (rows)
        {
            case 12: Tile<R12, R2>(kc, a, b, rsB, c, ldc, first); break;
            case 11: Tile<R11, R2>(kc, a, b, rsB, c, ldc, first); break;
            case 10: Tile<R10, R2>(kc, a, b, rsB, c, ldc, first); break;
            case 9: Tile<R9, R2>(kc, a, b, rsB, c, ldc, first); break;
            case 8: Tile<R8, R2>(kc, a, b, rsB, c, ldc, first); break;
            case 7: Tile<R7, R2>(kc, a, b, rsB, c, ldc, first); break;
            case 6: Tile<R6, R2>(kc, a, b, rsB, c, ldc, first); break;
            case 5: Tile<R5, R2>(kc, a, b, rsB, c, ldc, first); break;
            case 4: Tile<R4, R2>(kc, a, b, rsB, c, ldc, first); break;
            case 3: Tile<R3, R2>(kc, a, b, rsB, c, ldc, first); break;
            case 2: Tile<R2, R2>(kc, a, b, rsB, c, ldc, first); break;
            default: Tile<R1, R2>(kc, a, b, rsB, c, ldc, first); break;
        }
    }

    private static void Dispatch8(int rows, int kc, float* a, float* b, nint rsB, float* c, nint ldc)
    {
        switch (rows)
        {
            case 12: Tile8<R12>(kc, a, b, rsB, c, ldc); break;
            case 11: Tile8<R11>(kc, a, b, rsB, c, ldc); break;
            case 10: Tile8<R10>(kc, a, b, rsB, c, ldc); break;
            case 9: Tile8<R9>(kc, a, b, rsB, c, ldc); break;
            case 8: Tile8<R8>(kc, a, b, rsB, c, ldc); break;
            case 7: Tile8<R7>(kc, a, b, rsB, c, ldc); break;
            case 6: Tile8<R6>(kc, a, b, rsB, c, ldc); break;
            case 5: Tile8<R5>(kc, a, b, rsB, c, ldc); break;
            case 4: Tile8<R4>(kc, a, b, rsB, c, ldc); break;
            case 3: Tile8<R3>(kc, a, b, rsB, c, ldc); break;
            case 2: Tile8<R2>(kc, a, b, rsB, c, ldc); break;
            default: Tile8<R1>(kc, a, b, rsB, c, ldc); break;
        }
    }

    /// <summary>
    /// The edge tile for at most 8 columns: <typeparamref name="TRows"/> rows × 8 columns in 256-bit accumulators,
    /// stored (never added) to <paramref name="c"/>. A 16-wide tile there did twice the multiply-adds needed, and a
    /// 4-column edge (n = 100 = 3·32 + 4) cost as much as a whole 32-column panel. Each element is still one fused
    /// multiply-add per step from zero, so the bits are those of the wider tiles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8<TRows>(int kc, float* a, float* b, nint rsB, float* c, nint ldc)
        where TRows : struct, GemmMicroKernel.IConst
    {
        int rows = TRows.Value;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector256<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            c0 = Vector256.FusedMultiplyAdd(Vector256.Create(a[0]), b0, c0);
            if (rows > 1)
            {
                c1 = Vector256.FusedMultiplyAdd(Vector256.Create(a[1]), b0, c1);
            }

            if (rows > 2)
            {
                c2 = Vector256.FusedMultiplyAdd(Vector256.Create(a[2]), b0, c2);
            }

            if (rows > 3)
            {
                c3 = Vector256.FusedMultiplyAdd(Vector256.Create(a[3]), b0, c3);
            }

            if (rows > 4)
            {
                c4 = Vector256.FusedMultiplyAdd(Vector256.Create(a[4]), b0, c4);
            }

            if (rows > 5)
            {
                c5 = Vector256.FusedMultiplyAdd(Vector256.Create(a[5]), b0, c5);
            }

            if (rows > 6)
            {
                c6 = Vector256.FusedMultiplyAdd(Vector256.Create(a[6]), b0, c6);
            }

            if (rows > 7)
            {
                c7 = Vector256.FusedMultiplyAdd(Vector256.Create(a[7]), b0, c7);
            }

            if (rows > 8)
            {
                c8 = Vector256.FusedMultiplyAdd(Vector256.Create(a[8]), b0, c8);
            }

            if (rows > 9)
            {
                c9 = Vector256.FusedMultiplyAdd(Vector256.Create(a[9]), b0, c9);
            }

            if (rows > 10)
            {
                c10 = Vector256.FusedMultiplyAdd(Vector256.Create(a[10]), b0, c10);
            }

            if (rows > 11)
            {
                c11 = Vector256.FusedMultiplyAdd(Vector256.Create(a[11]), b0, c11);
            }

            a += MR;
            b += rsB;
        }

        c0.Store(c);
        if (rows > 1) { c1.Store(c + ldc); }
        if (rows > 2) { c2.Store(c + (2 * ldc)); }
        if (rows > 3) { c3.Store(c + (3 * ldc)); }
        if (rows > 4) { c4.Store(c + (4 * ldc)); }
        if (rows > 5) { c5.Store(c + (5 * ldc)); }
        if (rows > 6) { c6.Store(c + (6 * ldc)); }
        if (rows > 7) { c7.Store(c + (7 * ldc)); }
        if (rows > 8) { c8.Store(c + (8 * ldc)); }
        if (rows > 9) { c9.Store(c + (9 * ldc)); }
        if (rows > 10) { c10.Store(c + (10 * ldc)); }
        if (rows > 11) { c11.Store(c + (11 * ldc)); }
    }

    private static void Dispatch16(int rows, int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first)
    {
        switch (rows)
        {
            case 12: Tile<R12, R1>(kc, a, b, rsB, c, ldc, first); break;
            case 11: Tile<R11, R1>(kc, a, b, rsB, c, ldc, first); break;
            case 10: Tile<R10, R1>(kc, a, b, rsB, c, ldc, first); break;
            case 9: Tile<R9, R1>(kc, a, b, rsB, c, ldc, first); break;
            case 8: Tile<R8, R1>(kc, a, b, rsB, c, ldc, first); break;
            case 7: Tile<R7, R1>(kc, a, b, rsB, c, ldc, first); break;
            case 6: Tile<R6, R1>(kc, a, b, rsB, c, ldc, first); break;
            case 5: Tile<R5, R1>(kc, a, b, rsB, c, ldc, first); break;
            case 4: Tile<R4, R1>(kc, a, b, rsB, c, ldc, first); break;
            case 3: Tile<R3, R1>(kc, a, b, rsB, c, ldc, first); break;
            case 2: Tile<R2, R1>(kc, a, b, rsB, c, ldc, first); break;
            default: Tile<R1, R1>(kc, a, b, rsB, c, ldc, first); break;
        }
    }

    /// <summary>The tile body: <typeparamref name="TRows"/> rows × <typeparamref name="TVecs"/>·16 columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows, TVecs>(int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first)
        where TRows : struct, GemmMicroKernel.IConst
        where TVecs : struct, GemmMicroKernel.IConst
    {
        int rows = TRows.Value;
        bool two = TVecs.Value == 2;
        Vector512<float> c0x0 = default, c0x1 = default, c1x0 = default, c1x1 = default, c2x0 = default, c2x1 = default;
        Vector512<float> c3x0 = default, c3x1 = default, c4x0 = default, c4x1 = default, c5x0 = default, c5x1 = default;
        Vector512<float> c6x0 = default, c6x1 = default, c7x0 = default, c7x1 = default, c8x0 = default, c8x1 = default;
        Vector512<float> c9x0 = default, c9x1 = default, c10x0 = default, c10x1 = default, c11x0 = default, c11x1 = default;
        if (Sse.IsSupported)
        {
            // The C tile is read (or written) once after the loop: start fetching its lines now.
            for (int r = 0; r < rows; r++)
            {
                Sse.Prefetch0(c + (r * ldc));
                if (two)
                {
                    Sse.Prefetch0(c + (r * ldc) + 16);
                }
            }
        }

        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = two ? Vector512.Load(b + 16) : default;
            Vector512<float> av = Vector512.Create(a[0]);
            c0x0 = Vector512.FusedMultiplyAdd(av, b0, c0x0);
            if (two)
            {
                c0x1 = Vector512.FusedMultiplyAdd(av, b1, c0x1);
            }

            if (rows > 1)
            {
                av = Vector512.Create(a[1]);
                c1x0 = Vector512.FusedMultiplyAdd(av, b0, c1x0);
                if (two)
                {
                    c1x1 = Vector512.FusedMultiplyAdd(av, b1, c1x1);
                }
            }

            if (rows > 2)
            {
                av = Vector512.Create(a[2]);
                c2x0 = Vector512.FusedMultiplyAdd(av, b0, c2x0);
                if (two)
                {
                    c2x1 = Vector512.FusedMultiplyAdd(av, b1, c2x1);
                }
            }

            if (rows > 3)
            {
                av = Vector512.Create(a[3]);
                c3x0 = Vector512.FusedMultiplyAdd(av, b0, c3x0);
                if (two)
                {
                    c3x1 = Vector512.FusedMultiplyAdd(av, b1, c3x1);
                }
            }

            if (rows > 4)
            {
                av = Vector512.Create(a[4]);
                c4x0 = Vector512.FusedMultiplyAdd(av, b0, c4x0);
                if (two)
                {
                    c4x1 = Vector512.FusedMultiplyAdd(av, b1, c4x1);
                }
            }

            if (rows > 5)
            {
                av = Vector512.Create(a[5]);
                c5x0 = Vector512.FusedMultiplyAdd(av, b0, c5x0);
                if (two)
                {
                    c5x1 = Vector512.FusedMultiplyAdd(av, b1, c5x1);
                }
            }

            if (rows > 6)
            {
                av = Vector512.Create(a[6]);
                c6x0 = Vector512.FusedMultiplyAdd(av, b0, c6x0);
                if (two)
                {
                    c6x1 = Vector512.FusedMultiplyAdd(av, b1, c6x1);
                }
            }

            if (rows > 7)
            {
                av = Vector512.Create(a[7]);
                c7x0 = Vector512.FusedMultiplyAdd(av, b0, c7x0);
                if (two)
                {
                    c7x1 = Vector512.FusedMultiplyAdd(av, b1, c7x1);
                }
            }

            if (rows > 8)
            {
                av = Vector512.Create(a[8]);
                c8x0 = Vector512.FusedMultiplyAdd(av, b0, c8x0);
                if (two)
                {
                    c8x1 = Vector512.FusedMultiplyAdd(av, b1, c8x1);
                }
            }

            if (rows > 9)
            {
                av = Vector512.Create(a[9]);
                c9x0 = Vector512.FusedMultiplyAdd(av, b0, c9x0);
                if (two)
                {
                    c9x1 = Vector512.FusedMultiplyAdd(av, b1, c9x1);
                }
            }

            if (rows > 10)
            {
                av = Vector512.Create(a[10]);
                c10x0 = Vector512.FusedMultiplyAdd(av, b0, c10x0);
                if (two)
                {
                    c10x1 = Vector512.FusedMultiplyAdd(av, b1, c10x1);
                }
            }

            if (rows > 11)
            {
                av = Vector512.Create(a[11]);
                c11x0 = Vector512.FusedMultiplyAdd(av, b0, c11x0);
                if (two)
                {
                    c11x1 = Vector512.FusedMultiplyAdd(av, b1, c11x1);
                }
            }

            a += MR;
            b += rsB;
        }

        Store(c, c0x0, c0x1, two, first);

        if (rows > 1)
        {
            Store(c + (1 * ldc), c1x0, c1x1, two, first);
        }

        if (rows > 2)
        {
            Store(c + (2 * ldc), c2x0, c2x1, two, first);
        }

        if (rows > 3)
        {
            Store(c + (3 * ldc), c3x0, c3x1, two, first);
        }

        if (rows > 4)
        {
            Store(c + (4 * ldc), c4x0, c4x1, two, first);
        }

        if (rows > 5)
        {
            Store(c + (5 * ldc), c5x0, c5x1, two, first);
        }

        if (rows > 6)
        {
            Store(c + (6 * ldc), c6x0, c6x1, two, first);
        }

        if (rows > 7)
        {
            Store(c + (7 * ldc), c7x0, c7x1, two, first);
        }

        if (rows > 8)
        {
            Store(c + (8 * ldc), c8x0, c8x1, two, first);
        }

        if (rows > 9)
        {
            Store(c + (9 * ldc), c9x0, c9x1, two, first);
        }

        if (rows > 10)
        {
            Store(c + (10 * ldc), c10x0, c10x1, two, first);
        }

        if (rows > 11)
        {
            Store(c + (11 * ldc), c11x0, c11x1, two, first);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> v0, Vector512<float> v1, bool two, bool first)
    {
        if (first)
        {
            Vector512.Store(v0, c);
            if (two)
            {
                Vector512.Store(v1, c + 16);
            }
        }
        else
        {
            Vector512.Store(Vector512.Load(c) + v0, c);
            if (two)
            {
                Vector512.Store(Vector512.Load(c + 16) + v1, c + 16);
            }
        }
    }


    private readonly struct R1 : GemmMicroKernel.IConst
    {
        public static int Value => 1;
    }

    private readonly struct R2 : GemmMicroKernel.IConst
    {
        public static int Value => 2;
    }

    private readonly struct R3 : GemmMicroKernel.IConst
    {
        public static int Value => 3;
    }

    private readonly struct R4 : GemmMicroKernel.IConst
    {
        public static int Value => 4;
    }

    private readonly struct R5 : GemmMicroKernel.IConst
    {
        public static int Value => 5;
    }

    private readonly struct R6 : GemmMicroKernel.IConst
    {
        public static int Value => 6;
    }

    private readonly struct R7 : GemmMicroKernel.IConst
    {
        public static int Value => 7;
    }

    private readonly struct R8 : GemmMicroKernel.IConst
    {
        public static int Value => 8;
    }

    private readonly struct R9 : GemmMicroKernel.IConst
    {
        public static int Value => 9;
    }

    private readonly struct R10 : GemmMicroKernel.IConst
    {
        public static int Value => 10;
    }

    private readonly struct R11 : GemmMicroKernel.IConst
    {
        public static int Value => 11;
    }

    private readonly struct R12 : GemmMicroKernel.IConst
    {
        public static int Value => 12;
    }
}
