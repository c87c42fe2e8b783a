namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The weight gradient of <see cref="ConvDirect"/>: dW[co, ci, tap] += Σ_n Σ_positions dy[n, co, ·] · Xp[n, ci, · + tap],
/// in blocks ("units") of 4 output channels × 1 input channel × 3 taps. Images are the outer loop (so one image's
/// planes stay in L1 across all units), each unit's 12 vector accumulators are kept in a buffer between images and
/// reduced once at the end. Units are spread over threads; each gradient element belongs to one unit and is summed
/// in the same order whatever the split, so the result does not depend on the thread count.
/// </summary>
internal static unsafe class ConvDirectWeightGrad
{
    /// <summary>Below this many flops per chunk, units are not spread over threads.</summary>
    private const long MinChunkFlops = 2_000_000;

    /// <summary>Floats of accumulator buffer per unit.</summary>
    public const int AccPerUnit = 96;

    /// <summary>Units (4 output channels × 1 input channel × 3 taps) of a geometry.</summary>
    public static int Units(in ConvGeometry g, in ConvDirect.Plan p) => p.CoutPad / 4 * g.Cin * ((p.Taps + 2) / 3);

    /// <summary>
    /// <paramref name="xp"/>: padded input planes [N, Cin, Lx]; dy channel co of image n at
    /// <paramref name="dy"/> + n·<paramref name="imgStride"/> + co·<paramref name="chanStride"/> (zeros at the
    /// positions that are no outputs); <paramref name="zero"/>: a zero plane read for padded channels;
    /// <paramref name="acc"/>: <see cref="AccPerUnit"/> floats per unit; <paramref name="gw"/> [Cout, Cin, kh, kw] is added into.
    /// </summary>
    public static void Run(float* xp, float* dy, nint chanStride, nint imgStride, float* zero, float* acc, float* gw, int* tapOff, ConvGeometry g, ConvDirect.Plan p)
    {
        int units = Units(g, p);
        long flopsPerUnit = 2L * 12 * 8 * p.Nseg * g.N;
        int grain = (int)Math.Clamp(MinChunkFlops / Math.Max(1, flopsPerUnit), 1, Math.Max(1, units));
        int chunks = Math.Max(1, Threading.ChunkCount(units, grain));
        var job = new Job { Xp = xp, Dy = dy, ChanStride = chanStride, ImgStride = imgStride, Zero = zero, Acc = acc, Gw = gw, TapOff = tapOff };
        if (chunks <= 1)
        {
            RunUnits(job, g, p, 0, units);
            return;
        }

        Threading.For(chunks, 1, (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                RunUnits(job, g, p, (int)((long)c * units / chunks), (int)((long)(c + 1) * units / chunks));
            }
        });
    }

    private static void RunUnits(Job job, in ConvGeometry g, in ConvDirect.Plan p, int u0, int u1)
    {
        int tapBlocks = (p.Taps + 2) / 3, last = p.Taps - 1;
        new Span<float>(job.Acc + ((nint)u0 * AccPerUnit), (u1 - u0) * AccPerUnit).Clear();
        for (int n = 0; n < g.N; n++)
        {
            float* dyn = job.Dy + (n * job.ImgStride);
            float* xn = job.Xp + ((nint)n * g.Cin * p.Lx);
            for (int u = u0; u < u1; u++)
            {
                int tb = u % tapBlocks, rest = u / tapBlocks;
                int ci = rest % g.Cin, c = rest / g.Cin * 4, t = tb * 3;
                ConvDirectKernels.WeightGrad(
                    Plane(job, dyn, c, g.Cout), Plane(job, dyn, c + 1, g.Cout), Plane(job, dyn, c + 2, g.Cout), Plane(job, dyn, c + 3, g.Cout),
                    xn + ((nint)ci * p.Lx), p, job.TapOff[t], job.TapOff[Math.Min(t + 1, last)], job.TapOff[Math.Min(t + 2, last)],
                    job.Acc + ((nint)u * AccPerUnit));
            }
        }

        for (int u = u0; u < u1; u++)
        {
            int tb = u % tapBlocks, rest = u / tapBlocks;
            int ci = rest % g.Cin, c = rest / g.Cin * 4, t = tb * 3;
            float* a = job.Acc + ((nint)u * AccPerUnit);
            for (int j = 0; j < 4 && c + j < g.Cout; j++)
            {
                float* row = job.Gw + ((((nint)(c + j) * g.Cin) + ci) * p.Taps);
                for (int k = 0; k < 3 && t + k < p.Taps; k++)
                {
                    row[t + k] += System.Runtime.Intrinsics.Vector256.Sum(System.Runtime.Intrinsics.X86.Avx.LoadVector256(a + (((j * 3) + k) * 8)));
                }
            }
        }
    }

    private static float* Plane(in Job job, float* dyn, int co, int cout) => co < cout ? dyn + (co * job.ChanStride) : job.Zero;

    private struct Job
    {
        public float* Xp;
        public float* Dy;
        public nint ChanStride;
        public nint ImgStride;
        public float* Zero;
        public float* Acc;
        public float* Gw;
        public int* TapOff;
    }
}
