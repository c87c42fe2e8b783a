using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Direct stride-1 convolution for small images with many channels (the 4-MNISTs 16×12×12 and 16×5×5 layers),
/// channels in the vector lanes (<see cref="ConvSmallKernels"/>): no GEMM calls, no wide grid, one pass over the
/// whole batch per result.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Forward: blocks of 8 output pixels (consecutive over the whole batch, so a 3×3 output fills its blocks)
/// × 16 output channels, summed over (ky, kx, ci) from a weight table wt[(ky·kw + kx)·Cin + ci][co], the pixels
/// broadcast from the input (a zero-padded copy for 'same' padding).</item>
/// <item>dx: the same kernel on dy zero-padded by kh − 1 rows and kw − 1 columns on each side, with the flipped
/// kernel (table [(ky'·kw + kx')·Cout + co][ci] = w[co, ci, kh − 1 − ky', kw − 1 − kx']) over blocks of 8 input
/// pixels; a block skips the leading and trailing kernel rows that read only padding for all its pixels.</item>
/// <item>dW: blocks of 8 weight rows (ci, ky, kx) × 16 output channels, reduced over every pixel of every image in
/// one pass from dy transposed to [pixel][channel].</item>
/// </list>
/// Every result element is computed by one block in a fixed order, and blocks are spread over threads in
/// contiguous ranges, so results are bit-identical for any thread count. Channels beyond a multiple of 16 are
/// computed on zero weights (or zero dy) and not stored.
/// </remarks>
internal static unsafe class ConvSmall
{
    /// <summary>Below this many flops per chunk, blocks are not spread over threads.</summary>
    private const long MinChunkFlops = 400_000;

    /// <summary>
    /// Widest output for which this path is chosen by default: where <see cref="ConvImplicit"/> would run on its wide
    /// grid (its banded layout takes Wo ≥ 24).
    /// </summary>
    private const int MaxWidth = 23;

    /// <summary>Whether the path handles <paramref name="g"/>: stride 1, more than one tap, AVX2/FMA.</summary>
    public static bool Applies(in ConvGeometry g) =>
        g.Sh == 1 && g.Sw == 1 && g.Kh * g.Kw > 1 && Avx2.IsSupported && Fma.IsSupported;

    /// <summary>
    /// Whether the path is chosen for <paramref name="g"/>: by default for at least
    /// <see cref="ConvImplicit.MinChannels"/> input channels and outputs at most <see cref="MaxWidth"/> wide, unless a
    /// test forces another path (<see cref="KernelOverrides"/>).
    /// </summary>
    public static bool Use(in ConvGeometry g)
    {
        KernelPathOverride o = KernelOverrides.Current;
        return Applies(g) && (o.Small ?? (o.Implicit is null && o.Direct is null && o.ColumnBudget == 0
            && g.Cin >= ConvImplicit.MinChannels && g.Wo <= MaxWidth));
    }

    /// <summary>y [N, Cout, Ho, Wo] = conv(x, w) + b, then max(y, 0) when <paramref name="relu"/>.</summary>
    public static void Forward(Tensor x, Tensor w, Tensor? b, Tensor y, ConvGeometry g, bool relu)
    {
        int taps = g.Kh * g.Kw, k = g.Cin * taps, blocks = Blocks(g.Cout);
        int hp = g.Ho + g.Kh - 1, wp = g.Wo + g.Kw - 1;
        bool padded = hp != g.H || wp != g.W;
        int wtLen = blocks * k * ConvSmallKernels.Lanes, biasLen = blocks * ConvSmallKernels.Lanes;
        int xpLen = padded ? g.N * g.Cin * hp * wp : 0;
        var scratch = Tensor.Scratch(new Shape(wtLen + biasLen + k + xpLen));
        Span<float> s = scratch.Span;
        Span<float> wt = s[..wtLen], bias = s.Slice(wtLen, biasLen);
        Span<int> off = MemoryMarshal.Cast<float, int>(s.Slice(wtLen + biasLen, k));
        fixed (float* pw = w.Span)
        fixed (float* pwt = wt)
        {
            ForwardTable(pw, pwt, g);
        }

        bias.Clear();
        b?.Span.CopyTo(bias);
        for (int ky = 0, i = 0; ky < g.Kh; ky++)
        {
            for (int kx = 0; kx < g.Kw; kx++)
            {
                for (int ci = 0; ci < g.Cin; ci++)
                {
                    off[i++] = (ci * hp * wp) + (ky * wp) + kx;
                }
            }
        }

        if (padded)
        {
            Pad(x.Span, s.Slice(wtLen + biasLen + k, xpLen), g.N * g.Cin, g.H, g.W, g.PadTop, g.PadLeft, hp, wp);
        }

        fixed (float* ps = s)
        fixed (float* px = x.Span)
        fixed (float* py = y.Span)
        {
            var job = new Job
            {
                In = padded ? ps + wtLen + biasLen + k : px,
                InImage = (nint)g.Cin * hp * wp,
                InRow = wp,
                InCol = 1,
                Wt = ps,
                Init = ps + wtLen,
                Off = (int*)(ps + wtLen + biasLen),
                Out = py,
                Channels = g.Cout,
                Pixels = g.P,
                Width = g.Wo,
                Count = g.N * g.P,
                K = k,
                Relu = relu,
                Wide = Wide(),
            };
            int tiles = Tiles(job.Count), units = tiles * blocks;
            long unitFlops = 2L * ConvSmallKernels.Rows * ConvSmallKernels.Lanes * k;
            Run(units, unitFlops, 0, 0, (u0, u1) => CorrelateUnits(job, tiles, u0, u1));
        }
    }

    /// <summary>Adds dx (unless <paramref name="gx"/> is empty) and dW (unless <paramref name="gw"/> is empty).</summary>
    public static void Backward(Tensor x, Tensor w, ReadOnlySpan<float> gy, Span<float> gx, Span<float> gw, ConvGeometry g)
    {
        const int L = ConvSmallKernels.Lanes;
        bool needX = !gx.IsEmpty, needW = !gw.IsEmpty;
        int taps = g.Kh * g.Kw, k = g.Cin * taps, kd = g.Cout * taps;
        int hp = g.Ho + g.Kh - 1, wp = g.Wo + g.Kw - 1, hd = g.Ho + (2 * (g.Kh - 1)), wd = g.Wo + (2 * (g.Kw - 1));
        bool padded = hp != g.H || wp != g.W;
        int blocksOut = Blocks(g.Cout), blocksIn = Blocks(g.Cin);
        int dyImage = hd * wd * L, dyBlock = g.N * dyImage, interior = (((g.Kh - 1) * wd) + g.Kw - 1) * L;

        // Scratch: dy zero-padded and transposed [blockOut][n][hd·wd][16] (both halves); dW: padded x, row
        // offsets; dx: the flipped weight table and its offsets.
        int dyLen = blocksOut * dyBlock;
        int xpLen = needW && padded ? g.N * g.Cin * hp * wp : 0;
        int offWLen = needW ? k : 0;
        int wtLen = needX ? blocksIn * kd * L : 0;
        int offXLen = needX ? kd : 0;
        int oXp = dyLen, oOffW = oXp + xpLen, oWt = oOffW + offWLen, oOffX = oWt + wtLen;
        var scratch = Tensor.Scratch(new Shape(oOffX + offXLen));
        Span<float> s = scratch.Span;
        fixed (float* ps = s)
        fixed (float* pgy = gy)
        fixed (float* pw = w.Span)
        fixed (float* px = x.Span)
        fixed (float* pgx = gx)
        fixed (float* pgw = gw)
        {
            PadTransposeDy(pgy, ps, g, hd, wd);
            int* offW = (int*)(ps + oOffW), offX = (int*)(ps + oOffX);
            if (needW)
            {
                if (padded)
                {
                    Pad(x.Span, s.Slice(oXp, xpLen), g.N * g.Cin, g.H, g.W, g.PadTop, g.PadLeft, hp, wp);
                }

                for (int ci = 0, i = 0; ci < g.Cin; ci++)
                {
                    for (int ky = 0; ky < g.Kh; ky++)
                    {
                        for (int kx = 0; kx < g.Kw; kx++)
                        {
                            offW[i++] = (ci * hp * wp) + (ky * wp) + kx;
                        }
                    }
                }
            }

            if (needX)
            {
                InputGradTable(pw, ps + oWt, g);
                for (int ky = 0, i = 0; ky < g.Kh; ky++)
                {
                    for (int kx = 0; kx < g.Kw; kx++)
                    {
                        for (int co = 0; co < g.Cout; co++)
                        {
                            offX[i++] = ((co / L) * dyBlock) + (((ky * wd) + kx) * L) + (co % L);
                        }
                    }
                }
            }

            var wjob = new WeightJob
            {
                X = padded ? ps + oXp : px,
                XImage = (nint)g.Cin * hp * wp,
                XRow = wp,
                Dy = ps + interior,
                DyImage = dyImage,
                DyRow = wd * L,
                DyBlock = dyBlock,
                Off = offW,
                Gw = pgw,
                N = g.N,
                Ho = g.Ho,
                Wo = g.Wo,
                Cout = g.Cout,
                K = k,
                Wide = Wide(),
            };

            // Input pixel (ih, iw) reads the padded dy from (ih + pad top, iw + pad left) on, in steps of 16 floats.
            var xjob = new Job
            {
                In = ps,
                InImage = dyImage,
                InRow = wd * L,
                InCol = L,
                Wt = ps + oWt,
                Init = null,
                Off = offX,
                Out = pgx,
                Channels = g.Cin,
                Pixels = g.HW,
                Width = g.W,
                Count = g.N * g.HW,
                K = kd,
                Add = true,
                Kh = g.Kh,
                Ho = g.Ho,
                RowShift = g.PadTop,
                ColShift = g.PadLeft,
                Wide = wjob.Wide,
            };
            int rowBlocks = needW ? (k + ConvSmallKernels.Rows - 1) / ConvSmallKernels.Rows : 0;
            int wUnits = rowBlocks * blocksOut;
            int tiles = needX ? Tiles(xjob.Count) : 0, xUnits = tiles * blocksIn;
            long wFlops = 2L * ConvSmallKernels.Rows * L * g.N * g.P;
            long xFlops = 2L * ConvSmallKernels.Rows * L * kd;
            Run(wUnits + xUnits, xFlops, wUnits, wFlops, (u0, u1) =>
            {
                if (u0 < wUnits)
                {
                    WeightUnits(wjob, rowBlocks, u0, Math.Min(u1, wUnits));
                }

                if (u1 > wUnits)
                {
                    CorrelateUnits(xjob, tiles, Math.Max(u0, wUnits) - wUnits, u1 - wUnits);
                }
            });
        }
    }

    /// <summary>512-bit kernels where the host accelerates them (<see cref="GemmWidth.Wide"/>) unless a test forces the width; read on the calling thread.</summary>
    private static bool Wide() => KernelOverrides.Current.Wide ?? GemmWidth.Wide;

    private static int Blocks(int channels) => (channels + ConvSmallKernels.Lanes - 1) / ConvSmallKernels.Lanes;

    private static int Tiles(int count) => (count + ConvSmallKernels.Rows - 1) / ConvSmallKernels.Rows;

    /// <summary>
    /// Runs units [0, <paramref name="units"/>) in contiguous ranges: the first <paramref name="heavy"/> cost
    /// <paramref name="heavyFlops"/> each, the others <paramref name="unitFlops"/>; ranges of about equal cost, one
    /// per thread, when each has at least <see cref="MinChunkFlops"/>.
    /// </summary>
    private static void Run(int units, long unitFlops, int heavy, long heavyFlops, Action<int, int> body)
    {
        long total = (heavy * heavyFlops) + ((units - heavy) * unitFlops);
        int chunks = (int)Math.Clamp(total / MinChunkFlops, 1, Math.Max(1, Threading.ThreadCount));
        chunks = Math.Min(chunks, units);
        if (chunks <= 1)
        {
            if (units > 0)
            {
                body(0, units);
            }

            return;
        }

        // Chunk c starts at the first unit whose cumulative cost reaches c/chunks of the total.
        var starts = new int[chunks + 1];
        starts[chunks] = units;
        for (int c = 1; c < chunks; c++)
        {
            long target = total * c / chunks;
            long inHeavy = heavyFlops > 0 ? target / heavyFlops : 0;
            starts[c] = inHeavy < heavy ? (int)inHeavy : heavy + (int)((target - (heavy * heavyFlops)) / Math.Max(1, unitFlops));
            starts[c] = Math.Clamp(starts[c], starts[c - 1], units);
        }

        Threading.For(chunks, 1, (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                if (starts[c + 1] > starts[c])
                {
                    body(starts[c], starts[c + 1]);
                }
            }
        });
    }

    /// <summary>
    /// Correlation units [u0, u1): unit u is pixel block u mod tiles (8 consecutive pixels over the batch) × channel
    /// block u / tiles. Blocks that straddle two images (or end the batch) are staged and scattered.
    /// </summary>
    private static void CorrelateUnits(in Job job, int tiles, int u0, int u1)
    {
        const int R = ConvSmallKernels.Rows, L = ConvSmallKernels.Lanes;
        float* stage = stackalloc float[L * R];
        float** src = stackalloc float*[R];
        int* img = stackalloc int[R];
        int* pix = stackalloc int[R];
        int height = job.Pixels / job.Width;
        for (int u = u0; u < u1; u++)
        {
            int t = u % tiles, block = u / tiles, c0 = block * L, channels = Math.Min(L, job.Channels - c0);
            int first = t * R, valid = Math.Min(R, job.Count - first);

            // Pixel j of the block (the last valid one repeated past the end of the batch).
            int n = first / job.Pixels, p = first - (n * job.Pixels), row = p / job.Width, col = p - (row * job.Width);
            int rowMin = row;
            for (int j = 0; j < R; j++)
            {
                if (j > 0 && j < valid && ++col == job.Width)
                {
                    col = 0;
                    if (++row == height)
                    {
                        row = 0;
                        n++;
                    }
                }

                img[j] = n;
                pix[j] = (row * job.Width) + col;
                src[j] = job.In + (n * job.InImage) + ((nint)(row + job.RowShift) * job.InRow) + ((nint)(col + job.ColShift) * job.InCol);
            }

            // dx (Kh set): kernel row ky' reads dy row (input row + pad top + ky') − (kh − 1), which must lie in
            // [0, Ho) for some pixel of the block, else the row reads only padding (rows of two images: every row).
            int i0 = 0, kn = job.K;
            if (job.Kh > 0 && img[0] == img[R - 1])
            {
                int ky0 = Math.Max(0, job.Kh - 1 - row - job.RowShift);
                int ky1 = Math.Max(ky0, Math.Min(job.Kh, job.Kh - 1 + job.Ho - rowMin - job.RowShift));
                int perRow = job.K / job.Kh;
                i0 = ky0 * perRow;
                kn = (ky1 - ky0) * perRow;
            }

            float* wt = job.Wt + (((nint)block * job.K) + i0) * L;
            float* init = job.Init == null ? null : job.Init + c0;
            if (valid == R && img[0] == img[R - 1])
            {
                float* dst = job.Out + ((nint)img[0] * job.Channels * job.Pixels) + ((nint)c0 * job.Pixels) + pix[0];
                ConvSmallKernels.Correlate(src, job.Off + i0, wt, kn, init, dst, job.Pixels, channels, job.Add, job.Relu, job.Wide);
                continue;
            }

            ConvSmallKernels.Correlate(src, job.Off + i0, wt, kn, init, stage, R, channels, add: false, job.Relu, job.Wide);
            for (int j = 0; j < valid; j++)
            {
                float* dst = job.Out + ((nint)img[j] * job.Channels * job.Pixels) + ((nint)c0 * job.Pixels) + pix[j];
                for (int c = 0; c < channels; c++)
                {
                    float v = stage[(c * R) + j];
                    dst[(nint)c * job.Pixels] = job.Add ? dst[(nint)c * job.Pixels] + v : v;
                }
            }
        }
    }

    /// <summary>Weight-gradient units [u0, u1): unit u is weight-row block u mod rowBlocks × output-channel block u / rowBlocks.</summary>
    private static void WeightUnits(in WeightJob job, int rowBlocks, int u0, int u1)
    {
        const int R = ConvSmallKernels.Rows, L = ConvSmallKernels.Lanes;
        float* stage = stackalloc float[L * R];
        int* off = stackalloc int[R];
        for (int u = u0; u < u1; u++)
        {
            int rb = u % rowBlocks, block = u / rowBlocks, r0 = rb * R, c0 = block * L;
            int rows = Math.Min(R, job.K - r0), channels = Math.Min(L, job.Cout - c0);
            for (int r = 0; r < R; r++)
            {
                off[r] = job.Off[r0 + Math.Min(r, rows - 1)];
            }

            var d = new ConvSmallKernels.Grid(job.Dy + ((nint)block * job.DyBlock), job.DyImage, job.DyRow, job.N, job.Ho, job.Wo);
            if (rows == R)
            {
                ConvSmallKernels.WeightGrad(job.X, off, job.XImage, job.XRow, d, job.Gw + ((nint)c0 * job.K) + r0, job.K, channels, add: true, job.Wide);
                continue;
            }

            ConvSmallKernels.WeightGrad(job.X, off, job.XImage, job.XRow, d, stage, R, channels, add: false, job.Wide);
            for (int c = 0; c < channels; c++)
            {
                float* dst = job.Gw + ((nint)(c0 + c) * job.K) + r0;
                for (int r = 0; r < rows; r++)
                {
                    dst[r] += stage[(c * R) + r];
                }
            }
        }
    }

    /// <summary>wt[block][(ky·kw + kx)·Cin + ci][16] = w[16·block + lane, ci, ky, kx] (zero past Cout).</summary>
    private static void ForwardTable(float* w, float* wt, in ConvGeometry g)
    {
        const int L = ConvSmallKernels.Lanes;
        int taps = g.Kh * g.Kw, k = g.Cin * taps;
        if (g.Cout % L != 0)
        {
            new Span<float>(wt, Blocks(g.Cout) * k * L).Clear();
        }

        for (int co = 0; co < g.Cout; co++)
        {
            float* dst = wt + ((nint)(co / L) * k * L) + (co % L);
            float* src = w + ((nint)co * k);
            for (int ci = 0; ci < g.Cin; ci++, src += taps)
            {
                for (int t = 0; t < taps; t++)
                {
                    dst[((nint)(t * g.Cin) + ci) * L] = src[t];
                }
            }
        }
    }

    /// <summary>wt[block][(ky'·kw + kx')·Cout + co][16] = w[co, 16·block + lane, kh − 1 − ky', kw − 1 − kx'] (zero past Cin).</summary>
    private static void InputGradTable(float* w, float* wt, in ConvGeometry g)
    {
        const int L = ConvSmallKernels.Lanes;
        int taps = g.Kh * g.Kw, kd = g.Cout * taps;
        if (g.Cin % L != 0)
        {
            new Span<float>(wt, Blocks(g.Cin) * kd * L).Clear();
        }

        for (int co = 0; co < g.Cout; co++)
        {
            for (int ci = 0; ci < g.Cin; ci++)
            {
                float* src = w + ((((nint)co * g.Cin) + ci) * taps);
                float* dst = wt + ((nint)(ci / L) * kd * L) + (ci % L);
                for (int t = 0; t < taps; t++)
                {
                    dst[((nint)((taps - 1 - t) * g.Cout) + co) * L] = src[t];
                }
            }
        }
    }

    /// <summary>
    /// dyP[block][n][(oh + kh − 1)·wd + ow + kw − 1][lane] = dy[n, 16·block + lane, oh, ow], zero elsewhere (the
    /// border of kh − 1 rows and kw − 1 columns, channels past Cout).
    /// </summary>
    private static void PadTransposeDy(float* dy, float* dst, in ConvGeometry g, int hd, int wd)
    {
        const int L = ConvSmallKernels.Lanes;
        int image = hd * wd * L, blocks = Blocks(g.Cout);
        int top = (g.Kh - 1) * wd * L, side = (g.Kw - 1) * L, row = wd * L;
        if (g.Cout % L != 0)
        {
            new Span<float>(dst, blocks * g.N * image).Clear();
        }
        else
        {
            // Only the border: top and bottom rows, then the columns left and right of each interior row.
            for (int b = 0; b < blocks * g.N; b++)
            {
                float* d = dst + ((nint)b * image);
                new Span<float>(d, top).Clear();
                new Span<float>(d + image - top, top).Clear();
                for (int oh = 0; oh < g.Ho; oh++)
                {
                    float* r = d + top + ((nint)oh * row);
                    new Span<float>(r, side).Clear();
                    new Span<float>(r + row - side, side).Clear();
                }
            }
        }

        // Groups of 8 channels: 8×8 blocks of pixels along each row transposed in registers, the rest one by one.
        int vec = g.Cout % 8 == 0 ? g.Wo / 8 * 8 : 0;
        for (int n = 0; n < g.N; n++)
        {
            for (int c8 = 0; c8 < g.Cout; c8 += 8)
            {
                int group = Math.Min(8, g.Cout - c8);
                float* src = dy + ((((nint)n * g.Cout) + c8) * g.P);
                float* d = dst + ((((nint)(c8 / L) * g.N) + n) * image) + top + side + (c8 % L);
                for (int oh = 0; oh < g.Ho; oh++, src += g.Wo, d += row)
                {
                    for (int ow = 0; ow < vec; ow += 8)
                    {
                        ConvSmallKernels.Transpose8x8(src + ow, g.P, d + (ow * L), L);
                    }

                    for (int c = 0; c < group; c++)
                    {
                        for (int ow = vec; ow < g.Wo; ow++)
                        {
                            d[(ow * L) + c] = src[((nint)c * g.P) + ow];
                        }
                    }
                }
            }
        }
    }

    /// <summary>dst[plane] [hp, wp] = src[plane] [h, w] placed at (top, left), zeros around it.</summary>
    private static void Pad(ReadOnlySpan<float> src, Span<float> dst, int planes, int h, int w, int top, int left, int hp, int wp)
    {
        dst.Clear();
        for (int pl = 0; pl < planes; pl++)
        {
            for (int r = 0; r < h; r++)
            {
                src.Slice((pl * h * w) + (r * w), w).CopyTo(dst.Slice((pl * hp * wp) + ((r + top) * wp) + left, w));
            }
        }
    }

    /// <summary>One correlation over blocks of pixels (see <see cref="CorrelateUnits"/>); pointers valid inside the caller's fixed block.</summary>
    private struct Job
    {
        public float* In;
        public nint InImage;
        public int InRow;
        public int InCol;
        public float* Wt;
        public float* Init;
        public int* Off;
        public float* Out;
        public int Channels;
        public int Pixels;
        public int Width;
        public int Count;
        public int K;
        public bool Relu;
        public bool Add;

        /// <summary>dx: the kernel height (blocks skip kernel rows that read only padding); 0: every row is read.</summary>
        public int Kh;
        public int Ho;
        public int RowShift;
        public int ColShift;
        public bool Wide;
    }

    /// <summary>The weight gradient (see <see cref="WeightUnits"/>); pointers valid inside the caller's fixed block.</summary>
    private struct WeightJob
    {
        public float* X;
        public nint XImage;
        public int XRow;
        public float* Dy;
        public nint DyImage;
        public int DyRow;
        public nint DyBlock;
        public int* Off;
        public float* Gw;
        public int N;
        public int Ho;
        public int Wo;
        public int Cout;
        public int K;
        public bool Wide;
    }
}
