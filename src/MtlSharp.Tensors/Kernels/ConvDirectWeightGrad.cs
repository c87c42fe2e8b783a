namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The weight gradient of <see cref="ConvDirect"/>: dW[co, ci, tap] += Σ_n Σ_positions dy[n, co, ·] · Xp[n, ci, · + tap],
/// in blocks of 4 output channels × 1 input channel × 3 taps, each block reduced over the whole batch in vector
/// accumulators. Blocks are spread over threads; each gradient element belongs to one block, so the result does
/// not depend on the thread count.
/// </summary>
internal static unsafe class ConvDirectWeightGrad
{
    /// <summary>Below this many flops per chunk, blocks are not spread over threads.</summary>
    private const long MinChunkFlops = 400_000;

    /// <summary>
    /// <paramref name="xp"/>: padded input planes [N, Cin, Lx]; <paramref name="dyw"/>: the wide dy [N, CoutPad, Lw]
    /// (wide mode) or a zero plane of P floats for padded channels (row mode, where dy is read in place from
    /// <paramref name="gy"/>); <paramref name="gw"/> [Cout, Cin, kh, kw] is added into.
    /// </summary>
    public static void Run(float* xp, float* dyw, float* gy, float* gw, int* tapOff, ConvGeometry g, ConvDirect.Plan p)
    {
        int tapBlocks = (p.Taps + 2) / 3;
        int units = p.CoutPad / 4 * g.Cin * tapBlocks;
        long flopsPerUnit = 2L * 12 * 8 * p.Nseg * g.N;
        int grain = (int)Math.Clamp(MinChunkFlops / Math.Max(1, flopsPerUnit), 1, Math.Max(1, units));
        int chunks = Math.Max(1, Threading.ChunkCount(units, grain));
        var ptr = new ConvDirect.Ptrs { S = xp, Y = dyw, Gy = gy, Gw = gw, T = tapOff };
        if (chunks <= 1)
        {
            Units(ptr, g, p, 0, units);
            return;
        }

        Threading.For(chunks, 1, (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                Units(ptr, g, p, (int)((long)c * units / chunks), (int)((long)(c + 1) * units / chunks));
            }
        });
    }

    private static void Units(ConvDirect.Ptrs ptr, in ConvGeometry g, in ConvDirect.Plan p, int u0, int u1)
    {
        int tapBlocks = (p.Taps + 2) / 3;
        float** dy = stackalloc float*[4];
        nint* dyStride = stackalloc nint[4];
        float* sums = stackalloc float[12];
        for (int u = u0; u < u1; u++)
        {
            int tb = u % tapBlocks, rest = u / tapBlocks;
            int ci = rest % g.Cin, c = rest / g.Cin * 4;
            for (int j = 0; j < 4; j++)
            {
                int co = c + j;
                if (!p.RowMode)
                {
                    dy[j] = ptr.Y + ((nint)co * p.Lw);
                    dyStride[j] = (nint)p.CoutPad * p.Lw;
                }
                else if (co < g.Cout)
                {
                    dy[j] = ptr.Gy + ((nint)co * g.P);
                    dyStride[j] = (nint)g.Cout * g.P;
                }
                else
                {
                    dy[j] = ptr.Y;
                    dyStride[j] = 0;
                }
            }

            int t = tb * 3, last = p.Taps - 1;
            ConvDirectKernels.WeightGrad(
                dy, dyStride, ptr.S + ((nint)ci * p.Lx), (nint)g.Cin * p.Lx, g.N, p,
                ptr.T[t], ptr.T[Math.Min(t + 1, last)], ptr.T[Math.Min(t + 2, last)], sums);
            for (int j = 0; j < 4 && c + j < g.Cout; j++)
            {
                float* row = ptr.Gw + ((((nint)(c + j) * g.Cin) + ci) * p.Taps);
                for (int k = 0; k < 3 && t + k < p.Taps; k++)
                {
                    row[t + k] += sums[(j * 3) + k];
                }
            }
        }
    }
}
