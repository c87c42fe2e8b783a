using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Direct stride-1 convolution for few input channels (where a GEMM would have a very shallow depth
/// Cin·kh·kw): each image is copied into zero-padded planes Xp [Cin, Hp, Wp] (Hp = Ho + kh − 1, Wp = Wo + kw − 1,
/// plus zeroed slack), and outputs are computed 4 channels × 3 vectors of 8 positions at a time by
/// <see cref="ConvDirectKernels"/>, one FMA per tap with the weight broadcast.
/// </summary>
/// <remarks>
/// Positions are "segments" of 8 outputs: when Wo is a multiple of 8, whole output rows (row mode: segments of a
/// row read Xp at oh·Wp + 8u and write y directly); otherwise the wide grid q = oh·Wp + ow (wide mode: ow ≥ Wo
/// lanes are computed and discarded, dy is laid out on that grid with zeros there). dx is the full correlation of
/// dy (on a zero-bordered wide grid) with the flipped kernel over the padded plane, its interior added into dx (a lone
/// last input channel — a grayscale image's — in blocks of 12 vectors of that one channel, not 3 vectors of 4 channels
/// of which 3 are padding: the 4-MNISTs 1→16 layer's forward + backward with dx took 0.41–0.46 ms instead of
/// 0.69–0.87 at 1 thread, same bits);
/// dW reduces over all images and positions in 12 vector accumulators. Images (forward, dx) or weight blocks (dW)
/// are spread over threads; every output element is computed by one thread in a fixed order, so results do not
/// depend on the thread count.
/// </remarks>
internal static unsafe class ConvDirect
{
    /// <summary>Below this many flops per chunk, work is not spread over threads.</summary>
    private const long MinChunkFlops = 2_000_000;

    /// <summary>Whether the direct path handles <paramref name="g"/> (stride 1, AVX2/FMA).</summary>
    public static bool Applies(in ConvGeometry g) => g.Sh == 1 && g.Sw == 1 && Avx2.IsSupported && Fma.IsSupported;

    /// <summary>Whether the direct path is chosen for <paramref name="g"/>.</summary>
    /// <remarks>Unless forced (<see cref="KernelOverrides"/>), not when a test forces the implicit or im2col path.</remarks>
    public static bool Use(in ConvGeometry g)
    {
        KernelPathOverride o = KernelOverrides.Current;
        return Applies(g) && (o.Direct ?? (o.Implicit is null && o.ColumnBudget == 0 && g.Cin < ConvImplicit.MinChannels));
    }

    /// <summary>y [N, Cout, Ho, Wo] = conv(x, w) + b, then max(y, 0) when <paramref name="relu"/>.</summary>
    public static void Forward(Tensor x, Tensor w, Tensor? b, Tensor y, in ConvGeometry g, bool relu)
    {
        var p = new Plan(g);
        int xpLen = g.N * g.Cin * p.Lx, wLen = p.CoutPad * g.Cin * p.Taps;
        bool direct = p.RowMode && g.Cout % 4 == 0;
        int outLen = p.RowMode ? (direct ? 0 : p.CoutPad * g.P) : p.CoutPad * p.Lw;
        int chunks = Chunks(g.N, 2L * g.Cout * g.K * g.P);
        var scratch = Tensor.Scratch(new Shape(xpLen + wLen + p.CoutPad + (chunks * outLen)));
        Span<float> s = scratch.Span;
        PackInput(x.Span, s[..xpLen], g, p);
        Span<float> wf = s.Slice(xpLen, wLen), bias = s.Slice(xpLen + wLen, p.CoutPad);
        PackWeights(w.Span, wf, g.Cout, g.Cin, p.Taps, forward: true);
        bias.Clear();
        b?.Span.CopyTo(bias);
        Span<int> tapOff = stackalloc int[p.Taps];
        p.TapOffsets(tapOff);
        fixed (float* ps = s)
        fixed (float* py = y.Span)
        fixed (int* pt = tapOff)
        {
            var ptr = new Ptrs { S = ps, Y = py, T = pt };
            int woff = xpLen, boff = xpLen + wLen, ooff = boff + p.CoutPad;
            ConvGeometry gg = g;
            if (chunks <= 1)
            {
                ForwardImages(ptr, gg, p, woff, boff, ooff, 0, g.N, direct, relu);
                return;
            }

            Threading.For(chunks, 1, (c0, c1) =>
            {
                for (int c = c0; c < c1; c++)
                {
                    int n0 = (int)((long)c * gg.N / chunks), n1 = (int)((long)(c + 1) * gg.N / chunks);
                    ForwardImages(ptr, gg, p, woff, boff, ooff + (c * outLen), n0, n1, direct, relu);
                }
            });
        }
    }

    private static void ForwardImages(Ptrs ptr, in ConvGeometry g, in Plan p, int woff, int boff, int ooff, int n0, int n1, bool direct, bool relu)
    {
        float* wf = ptr.S + woff, bias = ptr.S + boff, ob = ptr.S + ooff;
        int ld = p.RowMode ? g.P : p.Lw;
        for (int n = n0; n < n1; n++)
        {
            float* xn = ptr.S + ((nint)n * g.Cin * p.Lx);
            float* yn = ptr.Y + ((nint)n * g.Cout * g.P);
            float* dst = direct ? yn : ob;
            for (int c = 0; c < p.CoutPad; c += 4)
            {
                float* d = dst + ((nint)c * ld);
                for (int s0 = 0; s0 < p.Nseg; s0 += 3)
                {
                    p.Segment(s0, out int x0, out int o0);
                    p.Segment(Math.Min(s0 + 1, p.Nseg - 1), out int x1, out int o1);
                    p.Segment(Math.Min(s0 + 2, p.Nseg - 1), out int x2, out int o2);
                    ConvDirectKernels.Forward(
                        xn, g.Cin, p.Lx, ptr.T, p.Taps, wf + ((nint)c * g.Cin * p.Taps), bias + c,
                        x0, x1, x2, d, d + ld, d + (2 * ld), d + (3 * ld), o0, o1, o2, Math.Min(3, p.Nseg - s0), relu);
                }
            }

            if (direct)
            {
                continue;
            }

            for (int co = 0; co < g.Cout; co++)
            {
                for (int oh = 0; oh < g.Ho; oh++)
                {
                    ConvDirectKernels.CopyRow(ob + ((nint)co * ld) + (oh * (p.RowMode ? g.Wo : p.Wp)), yn + ((nint)co * g.P) + (oh * g.Wo), g.Wo);
                }
            }
        }
    }

    /// <summary>Adds dx (unless <paramref name="gx"/> is empty) and dW (unless <paramref name="gw"/> is empty).</summary>
    public static void Backward(Tensor x, Tensor w, ReadOnlySpan<float> gy, Span<float> gx, Span<float> gw, in ConvGeometry g)
    {
        var p = new Plan(g);
        bool needX = !gx.IsEmpty, needW = !gw.IsEmpty;
        bool wide = needX || !p.RowMode; // dy on the zero-bordered wide grid (dx; dW in wide mode)
        int xpLen = needW ? g.N * g.Cin * p.Lx : 0;
        int dypLen = wide ? g.N * g.Cout * p.Ld : 0;
        int zeroLen = needW && g.Cout % 4 != 0 ? Math.Max(g.P, p.Ld) : 0;
        int accLen = needW ? ConvDirectWeightGrad.Units(g, p) * ConvDirectWeightGrad.AccPerUnit : 0;
        int wdLen = needX ? p.CinPad * g.Cout * p.Taps : 0;
        int dxChunks = needX ? Chunks(g.N, 2L * g.Cout * g.K * g.P) : 0;
        int dxLen = p.CinPad * p.Ldx;
        int oDyp = xpLen, oZero = oDyp + dypLen, oAcc = oZero + zeroLen, oWd = oAcc + accLen, oDx = oWd + wdLen;
        var scratch = Tensor.Scratch(new Shape(oDx + (dxChunks * dxLen)));
        Span<float> s = scratch.Span;
        Span<int> tapOff = stackalloc int[p.Taps];
        p.TapOffsets(tapOff);
        if (needW)
        {
            PackInput(x.Span, s[..xpLen], g, p);
            s.Slice(oZero, zeroLen).Clear();
        }

        if (needX)
        {
            PackWeights(w.Span, s.Slice(oWd, wdLen), g.Cout, g.Cin, p.Taps, forward: false);
        }

        fixed (float* ps = s)
        fixed (float* pgy = gy)
        fixed (float* pgx = gx)
        fixed (float* pgw = gw)
        fixed (int* pt = tapOff)
        {
            if (wide)
            {
                WideGrad(pgy, ps + oDyp, g, p);
            }

            if (needW)
            {
                if (p.RowMode)
                {
                    ConvDirectWeightGrad.Run(ps, pgy, g.P, (nint)g.Cout * g.P, ps + oZero, ps + oAcc, pgw, pt, g, p);
                }
                else
                {
                    ConvDirectWeightGrad.Run(ps, ps + oDyp + p.F, p.Ld, (nint)g.Cout * p.Ld, ps + oZero, ps + oAcc, pgw, pt, g, p);
                }
            }

            if (needX)
            {
                var ptr = new Ptrs { S = ps, Gx = pgx, T = pt };
                ConvGeometry gg = g;
                if (dxChunks <= 1)
                {
                    InputGradImages(ptr, gg, p, oDyp, oWd, oDx, 0, g.N);
                    return;
                }

                Threading.For(dxChunks, 1, (c0, c1) =>
                {
                    for (int c = c0; c < c1; c++)
                    {
                        int n0 = (int)((long)c * gg.N / dxChunks), n1 = (int)((long)(c + 1) * gg.N / dxChunks);
                        InputGradImages(ptr, gg, p, oDyp, oWd, oDx + (c * dxLen), n0, n1);
                    }
                });
            }
        }
    }

    private static void InputGradImages(Ptrs ptr, in ConvGeometry g, in Plan p, int dypOff, int wdOff, int dxOff, int n0, int n1)
    {
        float* wd = ptr.S + wdOff, dxp = ptr.S + dxOff;
        for (int n = n0; n < n1; n++)
        {
            float* dyp = ptr.S + dypOff + ((nint)n * g.Cout * p.Ld);
            for (int c = 0; c < p.CinPad; c += 4)
            {
                float* wc = wd + ((nint)c * g.Cout * p.Taps), dxc = dxp + ((nint)c * p.Ldx);
                int v = 0;
                if (g.Cin - c == 1)
                {
                    // One real channel in this block of four: the single-channel kernel, then the 4-channel one for the tail.
                    for (; v + ConvDirectKernels.SingleVectors <= p.NvxPad; v += ConvDirectKernels.SingleVectors)
                    {
                        ConvDirectKernels.InputGradSingle(dyp, g.Cout, p.Ld, p.F, ptr.T, p.Taps, wc, v * 8, dxc);
                    }
                }

                for (; v < p.NvxPad; v += 3)
                {
                    ConvDirectKernels.InputGrad(dyp, g.Cout, p.Ld, p.F, ptr.T, p.Taps, wc, v * 8, dxc, p.Ldx);
                }
            }

            float* gxn = ptr.Gx + ((nint)n * g.Cin * g.HW);
            for (int ci = 0; ci < g.Cin; ci++)
            {
                for (int ih = 0; ih < g.H; ih++)
                {
                    ConvDirectKernels.AddRow(dxp + ((nint)ci * p.Ldx) + ((ih + g.PadTop) * p.Wp) + g.PadLeft, gxn + ((nint)ci * g.HW) + (ih * g.W), g.W);
                }
            }
        }
    }

    /// <summary>Copies every image into zero-padded planes [N, Cin, Lx] (interior at (PadTop, PadLeft) of the Hp×Wp grid).</summary>
    private static void PackInput(ReadOnlySpan<float> x, Span<float> xp, in ConvGeometry g, in Plan p)
    {
        bool plain = g.PadTop == 0 && g.PadLeft == 0 && p.Wp == g.W;
        for (int plane = 0; plane < g.N * g.Cin; plane++)
        {
            Span<float> dst = xp.Slice(plane * p.Lx, p.Lx);
            ReadOnlySpan<float> src = x.Slice(plane * g.HW, g.HW);
            if (plain)
            {
                src.CopyTo(dst);
                dst[g.HW..].Clear();
                continue;
            }

            dst.Clear();
            for (int ih = 0; ih < g.H; ih++)
            {
                src.Slice(ih * g.W, g.W).CopyTo(dst.Slice(((ih + g.PadTop) * p.Wp) + g.PadLeft, g.W));
            }
        }
    }

    /// <summary>
    /// dy [N, Cout, Ho, Wo] laid out on the zero-bordered wide grid: dst[(n·Cout + co)·Ld + F + oh·Wp + ow], zeros
    /// at every other position of the Ld floats per channel.
    /// </summary>
    private static void WideGrad(float* gy, float* dst, in ConvGeometry g, in Plan p)
    {
        int gap = p.Wp - g.Wo, tail = p.Ld - p.F - (g.Ho * p.Wp);
        for (int plane = 0; plane < g.N * g.Cout; plane++)
        {
            float* src = gy + ((nint)plane * g.P);
            float* d = dst + ((nint)plane * p.Ld);
            new Span<float>(d, p.F).Clear();
            d += p.F;
            for (int oh = 0; oh < g.Ho; oh++, src += g.Wo, d += p.Wp)
            {
                ConvDirectKernels.CopyRow(src, d, g.Wo);
                for (int i = 0; i < gap; i++)
                {
                    d[g.Wo + i] = 0f;
                }
            }

            new Span<float>(d, tail).Clear();
        }
    }

    /// <summary>
    /// Forward: wf[c/4][ci][tap][c%4] = w[c][ci][tap] (zero for padded output channels). Backward (dx):
    /// wd[ci/4][co][tap][ci%4] = w[co][ci][tap] (zero for padded input channels).
    /// </summary>
    private static void PackWeights(ReadOnlySpan<float> w, Span<float> dst, int cout, int cin, int taps, bool forward)
    {
        dst.Clear();
        for (int co = 0; co < cout; co++)
        {
            for (int ci = 0; ci < cin; ci++)
            {
                for (int t = 0; t < taps; t++)
                {
                    float v = w[(((co * cin) + ci) * taps) + t];
                    int i = forward
                        ? (((((co / 4) * cin) + ci) * taps) + t) * 4 + (co % 4)
                        : (((((ci / 4) * cout) + co) * taps) + t) * 4 + (ci % 4);
                    dst[i] = v;
                }
            }
        }
    }

    private static int Chunks(int n, long flopsPerImage)
    {
        int grain = (int)Math.Clamp(MinChunkFlops / Math.Max(1, flopsPerImage), 1, Math.Max(1, n));
        return Math.Max(1, Threading.ChunkCount(n, grain));
    }

    /// <summary>Pointers captured by the parallel bodies (valid inside the caller's fixed block).</summary>
    internal struct Ptrs
    {
        public float* S;
        public float* Y;
        public float* Gx;
        public int* T;
    }

    /// <summary>The layout of the direct path for one geometry (see the class remarks).</summary>
    internal readonly struct Plan
    {
        public Plan(in ConvGeometry g)
        {
            Ho = g.Ho;
            Wo = g.Wo;
            Kh = g.Kh;
            Kw = g.Kw;
            Wp = g.Wo + g.Kw - 1;
            int hp = g.Ho + g.Kh - 1;
            Taps = g.Kh * g.Kw;
            RowMode = g.Wo % 8 == 0;
            Vpr = g.Wo / 8;
            Nseg = RowMode ? g.Ho * Vpr : ((((g.Ho - 1) * Wp) + g.Wo) + 7) / 8;
            int maxX = (RowMode ? ((g.Ho - 1) * Wp) + g.Wo - 8 : 8 * (Nseg - 1)) + 8 + ((g.Kh - 1) * Wp) + g.Kw - 1;
            Lx = RoundUp(Math.Max(maxX, hp * Wp), 8);
            Lw = 8 * Nseg;
            CoutPad = RoundUp(g.Cout, 4);
            CinPad = RoundUp(g.Cin, 4);
            F = ((g.Kh - 1) * Wp) + g.Kw - 1;
            NvxPad = RoundUp((hp * Wp + 7) / 8, 3);
            Ldx = 8 * NvxPad;
            Ld = F + Ldx;
        }

        public int Ho { get; }

        public int Wo { get; }

        public int Kh { get; }

        public int Kw { get; }

        /// <summary>Width of the padded plane: Wo + kw − 1.</summary>
        public int Wp { get; }

        public int Taps { get; }

        /// <summary>Whether segments are whole output rows (Wo a multiple of 8).</summary>
        public bool RowMode { get; }

        /// <summary>Segments per output row (row mode).</summary>
        public int Vpr { get; }

        /// <summary>Segments (of 8 outputs) per output channel.</summary>
        public int Nseg { get; }

        /// <summary>Floats per padded input plane (with zeroed slack for the overhanging loads).</summary>
        public int Lx { get; }

        /// <summary>Floats per channel of the wide output / wide dy (wide mode).</summary>
        public int Lw { get; }

        public int CoutPad { get; }

        public int CinPad { get; }

        /// <summary>Zero border before the wide dy used for dx: (kh − 1)·Wp + kw − 1.</summary>
        public int F { get; }

        /// <summary>Vectors of the padded dx plane, rounded up to whole 3-vector blocks.</summary>
        public int NvxPad { get; }

        /// <summary>Floats per padded dx plane.</summary>
        public int Ldx { get; }

        /// <summary>Floats per channel of the zero-bordered wide dy.</summary>
        public int Ld { get; }

        /// <summary>Plane offsets of segment <paramref name="s"/>: input (xp) and output (y in row mode, wide buffer otherwise).</summary>
        public void Segment(int s, out int x, out int y)
        {
            if (RowMode)
            {
                int oh = s / Vpr, u = s - (oh * Vpr);
                x = (oh * Wp) + (8 * u);
                y = (oh * Wo) + (8 * u);
            }
            else
            {
                x = y = 8 * s;
            }
        }

        /// <summary>tapOff[ky·kw + kx] = ky·Wp + kx.</summary>
        public void TapOffsets(Span<int> tapOff)
        {
            for (int ky = 0; ky < Kh; ky++)
            {
                for (int kx = 0; kx < Kw; kx++)
                {
                    tapOff[(ky * Kw) + kx] = (ky * Wp) + kx;
                }
            }
        }

        private static int RoundUp(int v, int m) => (v + m - 1) / m * m;
    }
}
