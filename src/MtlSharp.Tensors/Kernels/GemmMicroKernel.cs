using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The register-blocked AVX2/FMA micro-kernels of <see cref="Gemm"/> (BLIS-style: Van Zee and van de Geijn,
/// "BLIS: A Framework for Rapidly Instantiating BLAS Functionality", ACM TOMS 2015).
/// </summary>
/// <remarks>
/// A tile of at most <see cref="MR"/>×<see cref="NR"/> of C lives in up to 12 YMM accumulators; each step over the
/// inner dimension broadcasts up to 6 values of A and loads 16 (or 8) contiguous values of B. The number of rows and
/// of 8-wide column vectors are generic constants, so the JIT emits a dedicated, branch-free body for every edge
/// shape (rows 1..6 × 8 or 16 columns) without any padding work on the row side.
/// A is a packed micro-panel: element (r, p) at <c>a[p*MR + r]</c>. B is either a packed micro-panel or B itself:
/// row p of the tile at <c>b + p*rsB</c>.
/// </remarks>
internal static unsafe class GemmMicroKernel
{
    /// <summary>Rows of the C tile (A panel width).</summary>
    public const int MR = 6;

    /// <summary>Columns of the C tile (B panel width).</summary>
    public const int NR = 16;

    /// <summary>
    /// C[rows×cols] (=|+=) A-panel · B-panel with <paramref name="rows"/> in 1..6 and <paramref name="cols"/> in 1..16.
    /// Column counts other than 8 or 16 go through a stack tile (B must then be readable, zero-padded, to the next
    /// multiple of 8 columns).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int rows, int cols, int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first)
    {
        if (cols == NR)
        {
            Dispatch16(rows, kc, a, b, rsB, c, ldc, first);
        }
        else if (cols == 8)
        {
            Dispatch8(rows, kc, a, b, rsB, c, ldc, first);
        }
        else
        {
            Edge(rows, cols, kc, a, b, rsB, c, ldc, first);
        }
    }

    private static void Edge(int rows, int cols, int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first)
    {
        float* tile = stackalloc float[MR * NR];
        if (cols > 8)
        {
            Dispatch16(rows, kc, a, b, rsB, tile, NR, first: true);
        }
        else
        {
            Dispatch8(rows, kc, a, b, rsB, tile, NR, first: true);
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

    private static void Dispatch16(int rows, int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first)
    {
        switch (rows)
        {
            case 6: Tile<C6, C2>(kc, a, b, rsB, c, ldc, first); break;
            case 5: Tile<C5, C2>(kc, a, b, rsB, c, ldc, first); break;
            case 4: Tile<C4, C2>(kc, a, b, rsB, c, ldc, first); break;
            case 3: Tile<C3, C2>(kc, a, b, rsB, c, ldc, first); break;
            case 2: Tile<C2, C2>(kc, a, b, rsB, c, ldc, first); break;
            default: Tile<C1, C2>(kc, a, b, rsB, c, ldc, first); break;
        }
    }

    private static void Dispatch8(int rows, int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first)
    {
        switch (rows)
        {
            case 6: Tile<C6, C1>(kc, a, b, rsB, c, ldc, first); break;
            case 5: Tile<C5, C1>(kc, a, b, rsB, c, ldc, first); break;
            case 4: Tile<C4, C1>(kc, a, b, rsB, c, ldc, first); break;
            case 3: Tile<C3, C1>(kc, a, b, rsB, c, ldc, first); break;
            case 2: Tile<C2, C1>(kc, a, b, rsB, c, ldc, first); break;
            default: Tile<C1, C1>(kc, a, b, rsB, c, ldc, first); break;
        }
    }

    /// <summary>The tile body: <typeparamref name="TRows"/> rows × <typeparamref name="TVecs"/>·8 columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows, TVecs>(int kc, float* a, float* b, nint rsB, float* c, nint ldc, bool first)
        where TRows : struct, IConst
        where TVecs : struct, IConst
    {
        int rows = TRows.Value;
        bool two = TVecs.Value == 2;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Avx.LoadVector256(b);
            Vector256<float> b1 = two ? Avx.LoadVector256(b + 8) : default;
            Vector256<float> av = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            if (two)
            {
                c01 = Fma.MultiplyAdd(av, b1, c01);
            }

            if (rows > 1)
            {
                av = Avx.BroadcastScalarToVector256(a + 1);
                c10 = Fma.MultiplyAdd(av, b0, c10);
                if (two)
                {
                    c11 = Fma.MultiplyAdd(av, b1, c11);
                }
            }

            if (rows > 2)
            {
                av = Avx.BroadcastScalarToVector256(a + 2);
                c20 = Fma.MultiplyAdd(av, b0, c20);
                if (two)
                {
                    c21 = Fma.MultiplyAdd(av, b1, c21);
                }
            }

            if (rows > 3)
            {
                av = Avx.BroadcastScalarToVector256(a + 3);
                c30 = Fma.MultiplyAdd(av, b0, c30);
                if (two)
                {
                    c31 = Fma.MultiplyAdd(av, b1, c31);
                }
            }

            if (rows > 4)
            {
                av = Avx.BroadcastScalarToVector256(a + 4);
                c40 = Fma.MultiplyAdd(av, b0, c40);
                if (two)
                {
                    c41 = Fma.MultiplyAdd(av, b1, c41);
                }
            }

            if (rows > 5)
            {
                av = Avx.BroadcastScalarToVector256(a + 5);
                c50 = Fma.MultiplyAdd(av, b0, c50);
                if (two)
                {
                    c51 = Fma.MultiplyAdd(av, b1, c51);
                }
            }

            a += MR;
            b += rsB;
        }

        Store(c, c00, c01, two, first);
        if (rows > 1)
        {
            Store(c + ldc, c10, c11, two, first);
        }

        if (rows > 2)
        {
            Store(c + (2 * ldc), c20, c21, two, first);
        }

        if (rows > 3)
        {
            Store(c + (3 * ldc), c30, c31, two, first);
        }

        if (rows > 4)
        {
            Store(c + (4 * ldc), c40, c41, two, first);
        }

        if (rows > 5)
        {
            Store(c + (5 * ldc), c50, c51, two, first);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> v0, Vector256<float> v1, bool two, bool first)
    {
        if (first)
        {
            Avx.Store(c, v0);
            if (two)
            {
                Avx.Store(c + 8, v1);
            }
        }
        else
        {
            Avx.Store(c, Avx.Add(Avx.LoadVector256(c), v0));
            if (two)
            {
                Avx.Store(c + 8, Avx.Add(Avx.LoadVector256(c + 8), v1));
            }
        }
    }

    /// <summary>A compile-time integer carried by a struct type argument (the JIT folds it per instantiation).</summary>
    internal interface IConst
    {
        static abstract int Value { get; }
    }

    private readonly struct C1 : IConst
    {
        public static int Value => 1;
    }

    private readonly struct C2 : IConst
    {
        public static int Value => 2;
    }

    private readonly struct C3 : IConst
    {
        public static int Value => 3;
    }

    private readonly struct C4 : IConst
    {
        public static int Value => 4;
    }

    private readonly struct C5 : IConst
    {
        public static int Value => 5;
    }

    private readonly struct C6 : IConst
    {
        public static int Value => 6;
    }
}
