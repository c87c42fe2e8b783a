using System.Numerics.Tensors;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Convolution forward and backward as im2col + <see cref="Gemm.Multiply"/>, one image at a time and in bands of
/// output rows so the column buffer stays bounded (about <see cref="ColumnBudget"/> floats per worker), with
/// col2im for the input gradient. 1×1 stride-1 convolutions skip im2col (the image is the column matrix).
/// </summary>
/// <remarks>
/// Images are split into at most <see cref="Threading.ThreadCount"/> contiguous chunks; each chunk owns its
/// scratch (rented on the calling thread before the parallel loop). The weight gradient of chunk 0 is added
/// straight into the gradient buffer, the others into per-chunk partials summed afterwards in chunk order, so
/// results are bit-identical run to run for a fixed thread count.
/// Kernels of more than one tap with at least <see cref="ConvImplicit.MinChannels"/> input channels go to
/// <see cref="ConvSmall"/> (any strides, since session 19); stride-1 kernels with fewer channels to
/// <see cref="ConvDirect"/>. <see cref="ConvImplicit"/> (shifted GEMMs, no column buffer; strided on the polyphase
/// layout) is no longer chosen by default — it was the strided path until session 19 — and runs where a test forces
/// it (<see cref="KernelOverrides"/>), when images are spread over threads. The rest (1×1 kernels, strided kernels
/// over few channels) is im2col + GEMM. Inside the image-parallel loop the single-threaded
/// <see cref="GemmBlocked.Run"/> is called directly, so the GEMM does not nest a second parallel loop.
/// </remarks>
internal static unsafe class ConvGemm
{
    /// <summary>Target size (floats) of one worker's column buffer.</summary>
    internal const int ColumnBudget = 1 << 18;

    /// <summary>Below this many flops per chunk, images are not spread over threads.</summary>
    private const long MinChunkFlops = 400_000;

    /// <summary>Output rows per band.</summary>
    /// <remarks>Read on the calling thread (the budget may be overridden by <see cref="KernelOverrides"/>).</remarks>
    public static int RowsPerBand(in ConvGeometry g)
    {
        int budget = KernelOverrides.Current.ColumnBudget;
        return g.IsPointwise ? g.Ho : Math.Clamp((budget > 0 ? budget : ColumnBudget) / Math.Max(1, g.K * g.Wo), 1, g.Ho);
    }

    private static int Chunks(in ConvGeometry g)
    {
        if (g.N < Threading.ThreadCount)
        {
            return 1; // let the GEMM itself use the threads
        }

        long flops = 2L * g.Cout * g.K * g.P;
        int grain = (int)Math.Clamp(MinChunkFlops / Math.Max(1, flops), 1, g.N);
        return Math.Max(1, Threading.ChunkCount(g.N, grain));
    }

    /// <summary>y [N, Cout, Ho, Wo] = conv(x [N, Cin, H, W], w [Cout, Cin, kh, kw]) + b, then max(y, 0) when <paramref name="relu"/>.</summary>
    public static void Forward(Tensor x, Tensor w, Tensor? b, Tensor y, ConvGeometry g, bool relu)
    {
        if (ConvSmall.Use(g))
        {
            ConvSmall.Forward(x, w, b, y, g, relu);
            return;
        }

        if (ConvDirect.Use(g))
        {
            ConvDirect.Forward(x, w, b, y, g, relu);
            return;
        }

        Forward(x, w, b, y, g);
        if (relu)
        {
            TensorPrimitives.Max(y.Span, 0f, y.Span);
        }
    }

    private static void Forward(Tensor x, Tensor w, Tensor? b, Tensor y, ConvGeometry g)
    {
        if (UseImplicit(g))
        {
            ForwardImplicit(x, w, b, y, g);
            return;
        }

        int rows = RowsPerBand(g);
        bool whole = rows == g.Ho;
        int t = rows * g.Wo;
        int colLen = g.IsPointwise ? 0 : g.K * t;
        int outLen = whole ? 0 : g.Cout * t;
        int per = colLen + outLen;
        int chunks = Chunks(g);
        Tensor? scratch = per > 0 ? Tensor.Scratch(new Shape(chunks * per)) : null;
        Threading.For(chunks, 1, (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                int n0 = (int)((long)c * g.N / chunks), n1 = (int)((long)(c + 1) * g.N / chunks);
                Span<float> s = scratch is null ? [] : scratch.Span.Slice(c * per, per);
                ForwardImages(x, w, b, y, g, n0, n1, rows, s[..colLen], s.Slice(colLen, outLen));
            }
        });
    }

    private static void ForwardImages(Tensor x, Tensor w, Tensor? b, Tensor y, in ConvGeometry g, int n0, int n1, int rows, Span<float> col, Span<float> outBuf)
    {
        bool whole = rows == g.Ho, single = Chunks(g) > 1;
        int cin = g.Cin * g.HW, cout = g.Cout * g.P;
        ReadOnlySpan<float> ws = w.Span;
        ReadOnlySpan<float> bs = b is null ? [] : b.Span;
        for (int n = n0; n < n1; n++)
        {
            ReadOnlySpan<float> xs = x.Span.Slice(n * cin, cin);
            Span<float> ys = y.Span.Slice(n * cout, cout);
            for (int oh0 = 0; oh0 < g.Ho; oh0 += rows)
            {
                int r = Math.Min(rows, g.Ho - oh0), tt = r * g.Wo;
                ReadOnlySpan<float> colS = xs;
                if (!g.IsPointwise)
                {
                    ConvIm2Col.Im2Col(xs, g, oh0, r, col);
                    colS = col[..(g.K * tt)];
                }

                Span<float> o = whole ? ys : outBuf[..(g.Cout * tt)];
                for (int co = 0; co < bs.Length; co++)
                {
                    o.Slice(co * tt, tt).Fill(bs[co]);
                }

                Mul(ws, false, colS, false, o, g.Cout, tt, g.K, !bs.IsEmpty, single);
                if (!whole)
                {
                    for (int co = 0; co < g.Cout; co++)
                    {
                        o.Slice(co * tt, tt).CopyTo(ys.Slice((co * g.P) + (oh0 * g.Wo), tt));
                    }
                }
            }
        }
    }

    /// <summary>
    /// Adds dx (into <paramref name="gx"/>, unless empty) and dW (into <paramref name="gw"/>, unless empty) given
    /// dy. The bias gradient is the caller's (a plain sum of dy).
    /// </summary>
    public static void Backward(Tensor x, Tensor w, ReadOnlySpan<float> gy, Span<float> gx, Span<float> gw, ConvGeometry g)
    {
        bool needX = !gx.IsEmpty, needW = !gw.IsEmpty;
        if (!needX && !needW)
        {
            return;
        }

        if (ConvSmall.Use(g))
        {
            ConvSmall.Backward(x, w, gy, gx, gw, g);
            return;
        }

        if (ConvDirect.Use(g))
        {
            ConvDirect.Backward(x, w, gy, gx, gw, g);
            return;
        }

        if (UseImplicit(g))
        {
            BackwardImplicit(x, w, gy, gx, gw, g);
            return;
        }

        int rows = RowsPerBand(g);
        bool whole = rows == g.Ho;
        int t = rows * g.Wo;
        int colLen = g.IsPointwise ? 0 : g.K * t; // im2col for dW, then reused for dcol
        int dyLen = whole ? 0 : g.Cout * t;
        int per = colLen + dyLen;
        int chunks = Chunks(g);
        int wLen = g.Cout * g.K;
        int partialLen = needW ? (chunks - 1) * wLen : 0;
        Tensor? scratch = (chunks * per) + partialLen > 0 ? Tensor.Scratch(new Shape((chunks * per) + partialLen)) : null;
        int gyLen = gy.Length, gxLen = gx.Length, gwLen = gw.Length;
        fixed (float* pgy = gy)
        fixed (float* pgx = gx)
        fixed (float* pgw = gw)
        {
            var p = new Pointers { Gy = pgy, Gx = pgx, Gw = pgw };
            Threading.For(chunks, 1, (c0, c1) =>
            {
                for (int c = c0; c < c1; c++)
                {
                    int n0 = (int)((long)c * g.N / chunks), n1 = (int)((long)(c + 1) * g.N / chunks);
                    Span<float> s = scratch is null ? [] : scratch.Span;
                    Span<float> dw = !needW ? [] : c == 0 ? new Span<float>(p.Gw, gwLen) : s.Slice((chunks * per) + ((c - 1) * wLen), wLen);
                    BackwardImages(
                        x, w, new ReadOnlySpan<float>(p.Gy, gyLen), needX ? new Span<float>(p.Gx, gxLen) : [], dw, c == 0, g, n0, n1, rows,
                        s.Slice(c * per, colLen), s.Slice((c * per) + colLen, dyLen));
                }
            });

            if (needW)
            {
                for (int c = 1; c < chunks; c++)
                {
                    TensorPrimitives.Add(gw, scratch!.Span.Slice((chunks * per) + ((c - 1) * wLen), wLen), gw);
                }
            }
        }
    }

    private static void BackwardImages(
        Tensor x, Tensor w, ReadOnlySpan<float> gy, Span<float> gx, Span<float> dw, bool dwAccumulates, in ConvGeometry g,
        int n0, int n1, int rows, Span<float> col, Span<float> dyBuf)
    {
        bool whole = rows == g.Ho, single = Chunks(g) > 1;
        int cin = g.Cin * g.HW, cout = g.Cout * g.P;
        ReadOnlySpan<float> ws = w.Span;
        bool first = !dwAccumulates;
        for (int n = n0; n < n1; n++)
        {
            ReadOnlySpan<float> xs = x.Span.Slice(n * cin, cin);
            ReadOnlySpan<float> gys = gy.Slice(n * cout, cout);
            Span<float> gxs = gx.IsEmpty ? [] : gx.Slice(n * cin, cin);
            for (int oh0 = 0; oh0 < g.Ho; oh0 += rows)
            {
                int r = Math.Min(rows, g.Ho - oh0), tt = r * g.Wo;
                ReadOnlySpan<float> d = gys;
                if (!whole)
                {
                    Span<float> buf = dyBuf[..(g.Cout * tt)];
                    for (int co = 0; co < g.Cout; co++)
                    {
                        gys.Slice((co * g.P) + (oh0 * g.Wo), tt).CopyTo(buf.Slice(co * tt, tt));
                    }

                    d = buf;
                }

                if (!dw.IsEmpty)
                {
                    ReadOnlySpan<float> colS = xs;
                    if (!g.IsPointwise)
                    {
                        ConvIm2Col.Im2Col(xs, g, oh0, r, col);
                        colS = col[..(g.K * tt)];
                    }

                    // dW[Cout, K] (+)= dY[Cout, T] · col[K, T]ᵀ
                    Mul(d, false, colS, true, dw, g.Cout, g.K, tt, !first, single);
                    first = false;
                }

                if (!gxs.IsEmpty)
                {
                    // dcol[K, T] = Wᵀ · dY[Cout, T]
                    if (g.IsPointwise)
                    {
                        Mul(ws, true, d, false, gxs, g.Cin, tt, g.Cout, true, single);
                    }
                    else
                    {
                        Span<float> dcol = col[..(g.K * tt)];
                        Mul(ws, true, d, false, dcol, g.K, tt, g.Cout, false, single);
                        ConvIm2Col.Col2ImAdd(dcol, g, oh0, r, gxs);
                    }
                }
            }
        }
    }

    /// <summary>
    /// C (+)= op(A)·op(B) on contiguous operands. Inside a parallel loop over images (<paramref name="single"/>) the
    /// single-threaded blocked kernel is called directly so the GEMM does not spread over threads a second time.
    /// </summary>
    private static void Mul(ReadOnlySpan<float> a, bool ta, ReadOnlySpan<float> b, bool tb, Span<float> c, int m, int n, int k, bool accumulate, bool single)
    {
        if (!single || !Avx.IsSupported || !Fma.IsSupported || (long)m * n * k <= 4096 || k == 0)
        {
            Gemm.Multiply(a, ta, b, tb, c, m, n, k, accumulate);
            return;
        }

        if (a.Length < m * k || b.Length < k * n || c.Length < m * n)
        {
            throw new ArgumentException($"Conv2d GEMM: buffers too small for m={m}, n={n}, k={k}.");
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            GemmBlocked.Run(pa, ta, ta ? m : k, pb, tb, tb ? k : n, pc, n, m, n, k, accumulate);
        }
    }

    /// <summary>
    /// Kernels <see cref="ConvImplicit"/> applies to use it (no im2col) when images are spread over the threads (or
    /// there is one thread); a lone image on several threads goes through the multi-threaded GEMM instead.
    /// </summary>
    private static bool UseImplicit(in ConvGeometry g)
    {
        KernelPathOverride o = KernelOverrides.Current;
        return ConvImplicit.Applies(g)
            && (o.Implicit ?? (o.ColumnBudget == 0 && ConvImplicit.Pays(g) && (Threading.ThreadCount == 1 || Chunks(g) > 1)));
    }

    private static void ForwardImplicit(Tensor x, Tensor w, Tensor? b, Tensor y, ConvGeometry g)
    {
        var l = new ConvImplicit.Layout(g);
        int chunks = Chunks(g), per = ConvImplicit.ForwardScratch(l, g);
        var wr = Tensor.Scratch(new Shape(w.Length));
        ConvImplicit.TapMajorWeights(w.Span, wr.Span, g);
        if (l.Banded)
        {
            wr = ConvImplicitBanded.Weights(wr, g, backward: false);
        }

        var scratch = Tensor.Scratch(new Shape(chunks * per));
        int cin = g.Cin * g.HW, cout = g.Cout * g.P;
        fixed (float* px = x.Span)
        fixed (float* pw = wr.Span)
        fixed (float* pb = b is null ? [] : b.Span)
        fixed (float* py = y.Span)
        fixed (float* ps = scratch.Span)
        {
            var p = new Pointers { X = px, W = pw, B = b is null ? null : pb, Y = py, S = ps };
            Threading.For(chunks, 1, (c0, c1) =>
            {
                for (int c = c0; c < c1; c++)
                {
                    int n0 = (int)((long)c * g.N / chunks), n1 = (int)((long)(c + 1) * g.N / chunks);
                    for (int n = n0; n < n1; n++)
                    {
                        ConvImplicit.ForwardImage(p.X + ((long)n * cin), p.W, p.B, p.Y + ((long)n * cout), p.S + ((long)c * per), l, g);
                    }
                }
            });
        }
    }

    private static void BackwardImplicit(Tensor x, Tensor w, ReadOnlySpan<float> gy, Span<float> gx, Span<float> gw, ConvGeometry g)
    {
        bool needX = !gx.IsEmpty, needW = !gw.IsEmpty;
        var l = new ConvImplicit.Layout(g);
        int chunks = Chunks(g), per = ConvImplicit.BackwardScratch(l, g), wLen = w.Length;
        var wr = Tensor.Scratch(new Shape(wLen));
        ConvImplicit.TapMajorWeights(w.Span, wr.Span, g);
        if (l.Banded && needX)
        {
            wr = ConvImplicitBanded.Weights(wr, g, backward: true);
        }

        var scratch = Tensor.Scratch(new Shape(chunks * per));
        int cin = g.Cin * g.HW, cout = g.Cout * g.P;
        fixed (float* px = x.Span)
        fixed (float* pw = wr.Span)
        fixed (float* pgy = gy)
        fixed (float* pgx = gx)
        fixed (float* ps = scratch.Span)
        {
            var p = new Pointers { X = px, W = pw, Gy = pgy, Gx = needX ? pgx : null, S = ps };
            Threading.For(chunks, 1, (c0, c1) =>
            {
                for (int c = c0; c < c1; c++)
                {
                    int n0 = (int)((long)c * g.N / chunks), n1 = (int)((long)(c + 1) * g.N / chunks);
                    float* s = p.S + ((long)c * per);
                    float* dwPart = needW ? s + per - wLen : null;
                    if (dwPart != null)
                    {
                        new Span<float>(dwPart, wLen).Clear();
                    }

                    for (int n = n0; n < n1; n++)
                    {
                        ConvImplicit.BackwardImage(p.X + ((long)n * cin), p.W, p.Gy + ((long)n * cout), p.Gx == null ? null : p.Gx + ((long)n * cin), dwPart, s, l, g);
                    }
                }
            });
        }

        for (int c = 0; c < chunks && needW; c++)
        {
            TensorPrimitives.Add(gw, scratch.Span.Slice((c * per) + per - wLen, wLen), gw);
        }
    }

    private struct Pointers
    {
        public float* X;
        public float* W;
        public float* B;
        public float* Y;
        public float* S;
        public float* Gy;
        public float* Gx;
        public float* Gw;
    }
}
