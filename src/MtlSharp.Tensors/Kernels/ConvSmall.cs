using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Direct stride-1 convolution (and the forward pass of strided ones, <see cref="UseForward"/>) for images with many
/// channels, channels in the vector lanes (<see cref="ConvSmallKernels"/>): no GEMM calls, no wide grid, no im2col, every result computed in one pass over
/// the batch. Written for the 4-MNISTs 16×12×12 and 16×5×5 layers; the default for every stride-1 kernel with at
/// least <see cref="ConvImplicit.MinChannels"/> input channels since it also beat <see cref="ConvImplicit"/> on the
/// Omniglot shapes (forward + backward, batch 16, idle Zen 4, session 11: 48 channels at 27², 53² and 105² 1.05–1.27×
/// faster at 1 thread and 1.01–1.42× at 2, 16 channels at 35² 1.02–1.37× and 0.97–1.52×).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Forward: blocks of 8 output pixels (consecutive over the whole batch, so a 3×3 output fills its blocks)
/// × 16 output channels, summed over (ky, kx, ci) from a weight table wt[(ky·kw + kx)·Cin + ci][co], the input
/// pixels broadcast from x, or for 'same' padding from a zero-padded copy stored pixel-major ([n][row][column][ci]:
/// the table walks each pixel's channels in order, so a block reads a few contiguous runs rather than one cache line
/// per channel plane; session 19, Zen 1, 48→48 at 1 thread, forward alternated in one process: 53² 7×1 −7 to −10 %,
/// 53² 3×3 −4 %, 105² 5×5 and 7×7 −4 %, 27² 3×3 unchanged). The blocks run with the 16-channel blocks innermost,
/// so the inputs a pixel block reads serve every output channel block while they are in cache. Strided kernels use
/// the same tables (<see cref="UseForward"/>).</item>
/// <item>dx: the same kernel with the flipped kernel (table [(ky'·kw + kx')·Cout + co][ci] =
/// w[co, ci, kh − 1 − ky', kw − 1 − kx']) on dy zero-padded by kh − 1 rows and kw − 1 columns on each side, over
/// blocks of 8 input pixels. Pixels are grouped by the kernel rows and columns that reach dy (all of them inside the
/// image, fewer near its border): each block sums exactly the taps its pixels receive, never the padding.</item>
/// <item>dW: blocks of 8 weight rows (ci, ky, kx) × 16 output channels, reduced over every pixel of every image in
/// one pass, from the same padded dy stored pixel-major ([pixel][16 channels]). The half-pass kernels of hosts without
/// AVX-512 read dy twice per block, so there the images run in chunks that keep dy and x in L2, every block resuming
/// its sums from a carry tile (the same FMAs in the same order; session 16, Zen 4 with .NET's AVX-512 off, forward +
/// dW of 27² 5×5 48→48 at 1 thread: best windows 34.6–44.2 → 30.5–35.4 ms, four alternations).</item>
/// </list>
/// Every result element is computed by one block in a fixed order and blocks are spread over threads in contiguous
/// ranges, so results are bit-identical for any thread count; the 512-bit and 256-bit kernels sum in the same order,
/// so they agree bit for bit too. Channels beyond a multiple of 16 are computed on zero weights (or zero dy) and not
/// stored.
/// </remarks>
internal static unsafe class ConvSmall
{
    /// <summary>Below this many flops per chunk, blocks are not spread over threads.</summary>
    private const long MinChunkFlops = 400_000;

    /// <summary>Blocks of work per thread that the threads claim in turn (see <see cref="Run"/>).</summary>
    private const int BlocksPerThread = 8;

    /// <summary>
    /// From this many flops of work the threads claim blocks (see <see cref="Run"/>); smaller layers (the 4-MNISTs
    /// 16→16 layers, a few MFLOP) keep one fixed range per thread: in alternated runs of the mnist4 training step at 2
    /// threads, claiming there was no faster and its medians scattered more (0.51–0.94 against 0.49–0.69 ms).
    /// </summary>
    private const long ClaimMinFlops = 1L << 26;

    private const int L = ConvSmallKernels.Lanes;

    private const int R = ConvSmallKernels.Rows;

    /// <summary>Whether the path handles <paramref name="g"/>: stride 1, more than one tap, AVX2/FMA.</summary>
    public static bool Applies(in ConvGeometry g) =>
        g.Sh == 1 && g.Sw == 1 && g.Kh * g.Kw > 1 && Avx2.IsSupported && Fma.IsSupported;

    /// <summary>
    /// Whether the path is chosen for <paramref name="g"/>: by default for at least
    /// <see cref="ConvImplicit.MinChannels"/> input channels, unless a test forces another path
    /// (<see cref="KernelOverrides"/>).
    /// </summary>
    public static bool Use(in ConvGeometry g)
    {
        KernelPathOverride o = KernelOverrides.Current;
        return Applies(g) && (o.Small ?? (o.Implicit is null && o.Direct is null && o.ColumnBudget == 0
            && g.Cin >= ConvImplicit.MinChannels));
    }

    /// <summary>Whether the forward pass handles <paramref name="g"/>: more than one tap, any strides, AVX2/FMA.</summary>
    public static bool AppliesForward(in ConvGeometry g) => g.Kh * g.Kw > 1 && Avx2.IsSupported && Fma.IsSupported;

    /// <summary>
    /// Whether the forward pass of <paramref name="g"/> runs here: stride 1 as <see cref="Use"/>; strided kernels
    /// by default where the polyphase shifted GEMMs of <see cref="ConvImplicit"/> apply (at least
    /// <see cref="ConvImplicit.MinChannels"/> input channels, at least stride taps per axis), whose backward pass
    /// stays there (as do 1×k and k×1 kernels with fewer taps than the stride on one axis, which otherwise go to
    /// im2col). Each output pixel reads the zero-padded input at (sh·oh + ky, sw·ow + kx) through the same offset table
    /// as at stride 1, so the kernels do not change. Measured on the Zen 1 host of session 19 (48→48 channels, batch
    /// 16, 105×105, stride 2, 1 thread, best windows): forward 7×7 342 → 317 ms, 5×5 184 → 165, 3×3 75 → 69, 1×7
    /// 66 → 58, 7×1 65 → 64 against the polyphase GEMMs or im2col.
    /// </summary>
    public static bool UseForward(in ConvGeometry g)
    {
        if (g.Sh == 1 && g.Sw == 1)
        {
            return Use(g);
        }

        KernelPathOverride o = KernelOverrides.Current;
        return AppliesForward(g) && (o.Small ?? (o.Implicit is null && o.Direct is null && o.ColumnBudget == 0
            && g.Cin >= ConvImplicit.MinChannels));
    }

    /// <summary>
    /// y [N, Cout, Ho, Wo] = conv(x, w) + b, then max(y, 0) when <paramref name="relu"/> (any strides: see
    /// <see cref="UseForward"/>).
    /// </summary>
    public static void Forward(Tensor x, Tensor w, Tensor? b, Tensor y, ConvGeometry g, bool relu)
    {
        int taps = g.Kh * g.Kw, k = g.Cin * taps, blocks = Blocks(g.Cout);

        // The padded input holds every pixel read, (sh·(Ho − 1) + kh) × (sw·(Wo − 1) + kw), and at least the image
        // (a 'valid' strided kernel may leave trailing rows unread; they are copied all the same).
        int hp = Math.Max(((g.Ho - 1) * g.Sh) + g.Kh, g.PadTop + g.H), wp = Math.Max(((g.Wo - 1) * g.Sw) + g.Kw, g.PadLeft + g.W);
        bool padded = hp != g.H || wp != g.W;
        int wtLen = blocks * k * L, biasLen = blocks * L, xpLen = padded ? g.N * g.Cin * hp * wp : 0;
        int oBias = wtLen, oOff = oBias + biasLen, oXp = oOff + k;
        var scratch = Tensor.Scratch(new Shape(oXp + xpLen));
        fixed (float* ps = scratch.Span)
        fixed (float* pw = w.Span)
        fixed (float* px = x.Span)
        fixed (float* py = y.Span)
        {
            ForwardTable(pw, ps, g);
            var bias = new Span<float>(ps + oBias, biasLen);
            bias.Clear();
            b?.Span.CopyTo(bias);
            int* off = (int*)(ps + oOff);
            for (int ky = 0, i = 0; ky < g.Kh; ky++)
            {
                for (int kx = 0; kx < g.Kw; kx++)
                {
                    for (int ci = 0; ci < g.Cin; ci++)
                    {
                        off[i++] = padded ? (((ky * wp) + kx) * g.Cin) + ci : (ci * hp * wp) + (ky * wp) + kx;
                    }
                }
            }

            if (padded)
            {
                PadPixelMajor(px, ps + oXp, g.N, g.Cin, g.H, g.W, g.PadTop, g.PadLeft, hp, wp);
            }

            var job = new Job
            {
                In = padded ? ps + oXp : px,
                InImage = (nint)g.Cin * hp * wp,
                InRow = g.Sh * wp * (padded ? g.Cin : 1),
                InColumn = g.Sw * (padded ? g.Cin : 1),
                Wt = ps,
                Init = ps + oBias,
                Off = off,
                Out = py,
                Channels = g.Cout,
                Pixels = g.P,
                Width = g.Wo,
                Count = g.N * g.P,
                K = k,
                Relu = relu,
                Wide = Wide(),
                Halves = Halves(),
            };
            int tiles = (job.Count + R - 1) / R;
            Span<Work> work = [new Work(tiles * blocks, 2L * R * L * k)];
            Run(work, (u0, u1) => ForwardUnits(job, u0, u1));
        }
    }

    /// <summary>Adds dx (unless <paramref name="gx"/> is empty) and dW (unless <paramref name="gw"/> is empty).</summary>
    public static void Backward(Tensor x, Tensor w, ReadOnlySpan<float> gy, Span<float> gx, Span<float> gw, ConvGeometry g)
    {
        bool needX = !gx.IsEmpty, needW = !gw.IsEmpty;
        int taps = g.Kh * g.Kw, k = g.Cin * taps, kd = g.Cout * taps;
        int hp = g.Ho + g.Kh - 1, wp = g.Wo + g.Kw - 1, hd = g.Ho + (2 * (g.Kh - 1)), wd = g.Wo + (2 * (g.Kw - 1));
        bool padded = hp != g.H || wp != g.W;
        int blocksOut = Blocks(g.Cout), blocksIn = Blocks(g.Cin);
        int dyImage = hd * wd * L, dyBlock = g.N * dyImage;

        // dx: the input pixels grouped by the kernel rows (columns) that reach dy: runs of rows with equal ranges.
        int* rowRuns = stackalloc int[3 * ((2 * g.Kh) - 1)];
        int* colRuns = stackalloc int[3 * ((2 * g.Kw) - 1)];
        int nRows = needX ? Runs(g.H, g.Kh, g.Ho, g.PadTop, rowRuns) : 0;
        int nCols = needX ? Runs(g.W, g.Kw, g.Wo, g.PadLeft, colRuns) : 0;

        // Scratch: dy zero-padded and pixel-major [blockOut][n][hd·wd][16] (both halves); dW: padded x, row
        // offsets; dx: the flipped weight table, its offsets and the pixel groups.
        int dyLen = blocksOut * dyBlock;
        int xpLen = needW && padded ? g.N * g.Cin * hp * wp : 0;
        int offWLen = needW ? k : 0;
        int wtLen = needX ? blocksIn * kd * L : 0;
        int offXLen = needX ? kd : 0;
        int groupsLen = nRows * nCols * ((sizeof(Group) + 3) / 4);
        int dxLen = needX ? blocksIn * g.N * g.HW * L : 0;

        // The half-pass dW kernels run the images in chunks that keep dy and x in L2 (see WeightUnitsInChunks).
        bool wide = Wide(), halves = Halves();
        int chunkImages = needW && halves && !wide ? WeightChunkImages(g, dyImage, padded ? (nint)g.Cin * hp * wp : (nint)g.Cin * g.HW) : g.N;
        int carryLen = chunkImages < g.N ? (k + R - 1) / R * blocksOut * R * L : 0;
        int oXp = dyLen, oOffW = oXp + xpLen, oWt = oOffW + offWLen, oOffX = oWt + wtLen, oGroups = oOffX + offXLen, oDx = oGroups + groupsLen;
        int oCarry = oDx + dxLen;
        var scratch = Tensor.Scratch(new Shape(oCarry + carryLen));
        fixed (float* ps = scratch.Span)
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
                    Pad(px, ps + oXp, g.N * g.Cin, g.H, g.W, g.PadTop, g.PadLeft, hp, wp);
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

            int tiles = 0, groups = 0;
            var groupTable = (Group*)(ps + oGroups);
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

                for (int r = 0; r < nRows; r++)
                {
                    for (int c = 0; c < nCols; c++)
                    {
                        // Groups that no tap reaches (none at stride 1) get blocks too: they write their zeros.
                        int* rr = rowRuns + (3 * r), cr = colRuns + (3 * c);
                        var grp = new Group(rr[0], rr[1], rr[2], cr[0], cr[1], cr[2], g.N, tiles);
                        groupTable[groups++] = grp;
                        tiles += grp.Tiles;
                    }
                }
            }

            var wjob = new WeightJob
            {
                X = padded ? ps + oXp : px,
                XImage = (nint)g.Cin * hp * wp,
                XRow = wp,
                Dy = ps + ((((g.Kh - 1) * wd) + g.Kw - 1) * L),
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
                Wide = wide,
                Halves = halves,
                Carry = carryLen > 0 ? ps + oCarry : null,
                ChunkImages = chunkImages,
            };

            // Input pixel (ih, iw) reads the padded dy from (ih + pad top, iw + pad left) on, in steps of 16 floats.
            var xjob = new Job
            {
                In = ps,
                InImage = dyImage,
                InRow = wd * L,
                Wt = ps + oWt,
                Off = offX,
                Out = ps + oDx,
                OutImage = (nint)g.HW * L,
                OutBlock = (nint)g.N * g.HW * L,
                Channels = g.Cin,
                Pixels = g.HW,
                Width = g.W,
                K = kd,
                Kw = g.Kw,
                TapRows = g.Cout,
                RowShift = g.PadTop,
                ColShift = g.PadLeft,
                Wide = wjob.Wide,
                Halves = wjob.Halves,
            };

            // Work: the dW blocks, then the pixel groups' blocks × input-channel blocks (cost ∝ the group's taps).
            int rowBlocks = needW ? (k + R - 1) / R : 0, wUnits = rowBlocks * blocksOut;
            Span<Work> work = groups < 256 ? stackalloc Work[1 + groups] : new Work[1 + groups];
            work[0] = new Work(wUnits, 2L * R * L * g.N * g.P);
            for (int i = 0; i < groups; i++)
            {
                work[1 + i] = new Work(groupTable[i].Tiles * blocksIn, Math.Max(1, 2L * R * L * g.Cout * groupTable[i].Taps));
            }

            Run(work, (u0, u1) =>
            {
                if (u0 < wUnits)
                {
                    WeightUnits(wjob, rowBlocks, u0, Math.Min(u1, wUnits));
                }

                if (u1 > wUnits)
                {
                    InputGradUnits(xjob, groupTable, groups, blocksIn, Math.Max(u0, wUnits) - wUnits, u1 - wUnits);
                }
            });

            if (needX)
            {
                AddTransposedDx(ps + oDx, pgx, g.N, g.Cin, g.HW);
            }
        }
    }

    /// <summary>512-bit kernels where the host accelerates them (<see cref="GemmWidth.Wide"/>) unless a test forces the width; read on the calling thread.</summary>
    private static bool Wide() => KernelOverrides.Current.Wide ?? GemmWidth.Wide;

    /// <summary>
    /// The 256-bit kernels in two half passes (<see cref="ConvSmallKernels.FewRegisters"/>: hosts without AVX-512)
    /// unless a test forces the form; read on the calling thread.
    /// </summary>
    private static bool Halves() => KernelOverrides.Current.Halves ?? ConvSmallKernels.FewRegisters;

    private static int Blocks(int channels) => (channels + L - 1) / L;

    /// <summary>
    /// Images per chunk of the half-pass weight gradient: as many as keep one channel block's padded dy and the
    /// (padded) x within half of L2, at least one (or as a test forces, <see cref="KernelPathOverride.WeightChunkImages"/>).
    /// Moves data only, never the sums. Read on the calling thread.
    /// </summary>
    private static int WeightChunkImages(in ConvGeometry g, nint dyImageFloats, nint xImageFloats)
    {
        int forced = KernelOverrides.Current.WeightChunkImages;
        long fit = forced > 0 ? forced : CacheSizes.L2 / 2 / Math.Max(1, (dyImageFloats + xImageFloats) * sizeof(float));
        return (int)Math.Clamp(fit, 1, Math.Max(1, g.N));
    }

    /// <summary>
    /// Runs of input rows (or columns) whose kernel rows ky' reaching dy are the same range: for each run, its first
    /// row, one past its last, and the range packed as ky0·65536 + ky1, written to <paramref name="runs"/> (3 ints
    /// each); returns the count. Row i reaches dy row i + pad + ky' − (k − 1), inside [0, out) for ky' in
    /// [max(0, k − 1 − i − pad), min(k, k − 1 + out − i − pad)).
    /// </summary>
    private static int Runs(int size, int k, int outSize, int pad, int* runs)
    {
        int n = 0, prev = -1;
        for (int i = 0; i < size; i++)
        {
            int k0 = Math.Max(0, k - 1 - i - pad), k1 = Math.Max(k0, Math.Min(k, k - 1 + outSize - i - pad));
            int key = (k0 << 16) | k1;
            if (key != prev)
            {
                runs[3 * n] = i;
                runs[(3 * n) + 2] = key;
                n++;
                prev = key;
            }

            runs[(3 * n) - 2] = i + 1;
        }

        return n;
    }

    /// <summary>
    /// Runs the work items (contiguous ranges of units with a cost each, in order) in contiguous blocks of about equal
    /// cost: from <see cref="ClaimMinFlops"/> of work up to <see cref="BlocksPerThread"/> per thread and each of at
    /// least <see cref="MinChunkFlops"/>, which the threads claim in order (<see cref="Threading.ForBlocks"/>), below
    /// it one per thread; the body gets [u0, u1) in the units' overall numbering. Every unit writes its own outputs,
    /// so neither the blocks nor which thread runs them ever change a result.
    /// </summary>
    /// <remarks>
    /// Claimed blocks rather than one fixed range per thread (session 16): on the shared development host one of the
    /// two vCPUs is regularly held up for a while, and a fixed split then waits for it; the 2-thread medians of the
    /// 105² 5×5 and 7×7 layers ran 1.4× their fastest windows against 1.02–1.08× for PyTorch's.
    /// </remarks>
    private static void Run(ReadOnlySpan<Work> work, Action<int, int> body)
    {
        long total = 0;
        int units = 0;
        foreach (Work item in work)
        {
            total += item.Units * item.Flops;
            units += item.Units;
        }

        int threads = (int)Math.Clamp(total / MinChunkFlops, 1, Math.Max(1, Threading.ThreadCount));
        if (Math.Min(threads, units) <= 1)
        {
            if (units > 0)
            {
                body(0, units);
            }

            return;
        }

        bool claim = total >= ClaimMinFlops;
        int chunks = claim ? (int)Math.Min(Math.Min(units, threads * BlocksPerThread), Math.Max(1, total / MinChunkFlops)) : Math.Min(threads, units);

        // Chunk c starts at the first unit at which the cost so far reaches c/chunks of the total.
        var starts = new int[chunks + 1];
        starts[chunks] = units;
        int c = 1, first = 0;
        long before = 0;
        foreach (Work item in work)
        {
            while (c < chunks && before + (item.Units * item.Flops) >= total * c / chunks)
            {
                long into = (total * c / chunks) - before;
                starts[c++] = first + (int)Math.Min(item.Units, (into + item.Flops - 1) / Math.Max(1, item.Flops));
            }

            before += item.Units * item.Flops;
            first += item.Units;
        }

        Threading.RangeBody run = (c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++)
            {
                if (starts[ch + 1] > starts[ch])
                {
                    body(starts[ch], starts[ch + 1]);
                }
            }
        };
        if (claim)
        {
            Threading.ForBlocks(chunks, run);
        }
        else
        {
            Threading.For(chunks, 1, run);
        }
    }

    /// <summary>
    /// Forward units [u0, u1): unit u is pixel block u / blocks (8 consecutive output pixels over the batch) ×
    /// output-channel block u mod blocks. Blocks that straddle two images (or end the batch) are staged and scattered.
    /// </summary>
    private static void ForwardUnits(in Job job, int u0, int u1)
    {
        float* stage = stackalloc float[L * R];
        float** src = stackalloc float*[R];
        int* img = stackalloc int[R];
        int* pix = stackalloc int[R];
        int height = job.Pixels / job.Width, blocks = Blocks(job.Channels);
        var rows = ConvSmallKernels.Segments.All(job.K);
        for (int u = u0; u < u1; u++)
        {
            int t = u / blocks, block = u - (t * blocks), c0 = block * L, channels = Math.Min(L, job.Channels - c0);
            int first = t * R, valid = Math.Min(R, job.Count - first);

            // Pixel j of the block (the last valid one repeated past the end of the batch).
            int n = first / job.Pixels, p = first - (n * job.Pixels), row = p / job.Width, col = p - (row * job.Width);
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
                src[j] = job.In + (n * job.InImage) + ((nint)row * job.InRow) + ((nint)col * job.InColumn);
            }

            float* wt = job.Wt + ((nint)block * job.K * L);
            float* init = job.Init + c0;
            if (valid == R && img[0] == img[R - 1])
            {
                float* dst = job.Out + ((nint)img[0] * job.Channels * job.Pixels) + ((nint)c0 * job.Pixels) + pix[0];
                ConvSmallKernels.Correlate(src, job.Off, wt, rows, init, dst, job.Pixels, channels, add: false, job.Relu, job.Wide, job.Halves);
                continue;
            }

            ConvSmallKernels.Correlate(src, job.Off, wt, rows, init, stage, R, channels, add: false, job.Relu, job.Wide, job.Halves);
            Scatter(stage, img, pix, valid, job.Out, job.Channels, c0, channels, job.Pixels, add: false);
        }
    }

    /// <summary>
    /// dx units [u0, u1): unit u is block u / blocks of the pixel groups' blocks (8 consecutive pixels of one group,
    /// over the batch) × input-channel block u mod blocks; each sums its group's kernel rows and columns only and
    /// stores its pixels' 16 channels pixel-major, dxP[block][n][ih·W + iw][16] (every pixel written once).
    /// </summary>
    private static void InputGradUnits(in Job job, Group* groups, int count, int blocks, int u0, int u1)
    {
        float** src = stackalloc float*[R];
        float** dst = stackalloc float*[R];
        int gi = 0;
        for (int u = u0; u < u1; u++)
        {
            int t = u / blocks, block = u - (t * blocks);
            while (gi > 0 && t < groups[gi].TileStart)
            {
                gi--;
            }

            while (gi < count - 1 && t >= groups[gi + 1].TileStart)
            {
                gi++;
            }

            ref Group grp = ref groups[gi];
            int first = (t - grp.TileStart) * R, valid = Math.Min(R, grp.Count - first);
            int rowsIn = grp.Row1 - grp.Row0, cols = grp.Col1 - grp.Col0, per = rowsIn * cols;
            int n = first / per, rem = first - (n * per), r = rem / cols, c = rem - (r * cols);
            float* outBlock = job.Out + (block * job.OutBlock);
            for (int j = 0; j < R; j++)
            {
                if (j > 0 && j < valid && ++c == cols)
                {
                    c = 0;
                    if (++r == rowsIn)
                    {
                        r = 0;
                        n++;
                    }
                }

                int ih = grp.Row0 + r, iw = grp.Col0 + c;
                src[j] = job.In + (n * job.InImage) + ((nint)(ih + job.RowShift) * job.InRow) + ((nint)(iw + job.ColShift) * L);
                dst[j] = outBlock + (n * job.OutImage) + ((nint)((ih * job.Width) + iw) * L);
            }

            // Table rows (ky', kx', co): kernel rows [Ky0, Ky1), each the columns [Kx0, Kx1) × every channel (one run
            // when the group receives whole kernel rows).
            int tap = job.TapRows, start = ((grp.Ky0 * job.Kw) + grp.Kx0) * tap;
            var rows = grp.Kx1 - grp.Kx0 == job.Kw
                ? new ConvSmallKernels.Segments(start, 1, (grp.Ky1 - grp.Ky0) * job.Kw * tap, 0)
                : new ConvSmallKernels.Segments(start, grp.Ky1 - grp.Ky0, (grp.Kx1 - grp.Kx0) * tap, job.Kw * tap);
            ConvSmallKernels.CorrelatePixels(src, job.Off, job.Wt + ((nint)block * job.K * L), rows, dst, job.Wide, job.Halves);
        }
    }

    /// <summary>gx[n, ci, p] += dxP[ci / 16][n][p][ci mod 16]: 8×8 blocks transposed in registers, the rest one by one; images in parallel.</summary>
    private static void AddTransposedDx(float* dxP, float* gx, int n, int cin, int hw)
    {
        int vec = cin % 8 == 0 ? hw / 8 * 8 : 0;
        Threading.For(n, PassGrain(cin * hw), (i0, i1) =>
        {
            for (int img = i0; img < i1; img++)
            {
                for (int c8 = 0; c8 < cin; c8 += 8)
                {
                    int group = Math.Min(8, cin - c8);
                    float* src = dxP + ((((nint)(c8 / L) * n) + img) * hw * L) + (c8 % L);
                    float* dst = gx + ((((nint)img * cin) + c8) * hw);
                    for (int p = 0; p < vec; p += 8)
                    {
                        ConvSmallKernels.Transpose8x8(src + (p * L), L, dst + p, hw, add: true);
                    }

                    for (int c = 0; c < group; c++)
                    {
                        for (int p = vec; p < hw; p++)
                        {
                            dst[((nint)c * hw) + p] += src[(p * L) + c];
                        }
                    }
                }
            }
        });
    }

    /// <summary>
    /// Items (images, planes) of <paramref name="floats"/> each per chunk of the memory-bound passes (padding,
    /// transposes): about 64K floats, so small layers stay on one thread. They only move data (each output element
    /// written once), so the chunking never changes a result.
    /// </summary>
    private static int PassGrain(int floats) => Math.Max(1, (1 << 16) / Math.Max(1, floats));

    /// <summary>out[img[j], c0 + c, pix[j]] (+)= stage[c·8 + j] for j &lt; valid, c &lt; channels.</summary>
    private static void Scatter(float* stage, int* img, int* pix, int valid, float* output, int outChannels, int c0, int channels, int pixels, bool add)
    {
        for (int j = 0; j < valid; j++)
        {
            float* dst = output + ((nint)img[j] * outChannels * pixels) + ((nint)c0 * pixels) + pix[j];
            for (int c = 0; c < channels; c++, dst += pixels)
            {
                float v = stage[(c * R) + j];
                *dst = add ? *dst + v : v;
            }
        }
    }

    /// <summary>Weight-gradient units [u0, u1): unit u is weight-row block u mod rowBlocks × output-channel block u / rowBlocks.</summary>
    private static void WeightUnits(in WeightJob job, int rowBlocks, int u0, int u1)
    {
        if (job.Carry != null)
        {
            WeightUnitsInChunks(job, rowBlocks, u0, u1);
            return;
        }

        float* stage = stackalloc float[L * R];
        int* off = stackalloc int[R];
        for (int u = u0; u < u1; u++)
        {
            int rb = u % rowBlocks, block = u / rowBlocks, r0 = rb * R, c0 = block * L;
            int rows = Math.Min(R, job.K - r0), channels = Math.Min(L, job.Cout - c0);
            RowOffsets(job, r0, rows, off);
            var d = new ConvSmallKernels.Grid(job.Dy + ((nint)block * job.DyBlock), job.DyImage, job.DyRow, job.N, job.Ho, job.Wo);
            if (rows == R)
            {
                ConvSmallKernels.WeightGrad(job.X, off, job.XImage, job.XRow, d, job.Gw + ((nint)c0 * job.K) + r0, job.K, channels, add: true, job.Wide, job.Halves);
                continue;
            }

            ConvSmallKernels.WeightGrad(job.X, off, job.XImage, job.XRow, d, stage, R, channels, add: false, job.Wide, job.Halves);
            AddRaggedRows(job, c0, r0, rows, channels, stage, channelStride: R, rowStride: 1);
        }
    }

    /// <summary>off[r] = the offset of weight row r0 + r of a block with <paramref name="rows"/> rows (the last repeated past them).</summary>
    private static void RowOffsets(in WeightJob job, int r0, int rows, int* off)
    {
        for (int r = 0; r < R; r++)
        {
            off[r] = job.Off[r0 + Math.Min(r, rows - 1)];
        }
    }

    /// <summary>
    /// gw[c0 + c, r0 + r] += sums[c·channelStride + r·rowStride] for the rows and channels of a ragged block (fewer
    /// than 8 weight rows), whose sums the kernels left in a tile.
    /// </summary>
    private static void AddRaggedRows(in WeightJob job, int c0, int r0, int rows, int channels, float* sums, int channelStride, int rowStride)
    {
        for (int c = 0; c < channels; c++)
        {
            float* dst = job.Gw + ((nint)(c0 + c) * job.K) + r0;
            for (int r = 0; r < rows; r++)
            {
                dst[r] += sums[(c * channelStride) + (r * rowStride)];
            }
        }
    }

    /// <summary>
    /// <see cref="WeightUnits"/> for the half-pass kernels (hosts without AVX-512): the images in chunks of
    /// <see cref="WeightJob.ChunkImages"/>, every unit resuming its sums from its carry tile
    /// (<see cref="ConvSmallKernels.WeightGradCarry"/>) so a chunk of dy and x stays in L2 across the units; the same
    /// FMAs in the same order as one pass over all images, so the same bits.
    /// </summary>
    private static void WeightUnitsInChunks(in WeightJob job, int rowBlocks, int u0, int u1)
    {
        int* off = stackalloc int[R];
        for (int n0 = 0; n0 < job.N; n0 += job.ChunkImages)
        {
            int images = Math.Min(job.ChunkImages, job.N - n0);
            for (int u = u0; u < u1; u++)
            {
                int rb = u % rowBlocks, block = u / rowBlocks, r0 = rb * R;
                RowOffsets(job, r0, Math.Min(R, job.K - r0), off);
                var d = new ConvSmallKernels.Grid(job.Dy + ((nint)block * job.DyBlock) + (n0 * job.DyImage), job.DyImage, job.DyRow, images, job.Ho, job.Wo);
                ConvSmallKernels.WeightGradCarry(job.X + (n0 * job.XImage), off, job.XImage, job.XRow, d, job.Carry + ((nint)u * R * L), resume: n0 > 0);
            }
        }

        for (int u = u0; u < u1; u++)
        {
            int rb = u % rowBlocks, block = u / rowBlocks, r0 = rb * R, c0 = block * L;
            int rows = Math.Min(R, job.K - r0), channels = Math.Min(L, job.Cout - c0);
            float* carry = job.Carry + ((nint)u * R * L);
            if (rows == R)
            {
                ConvSmallKernels.StoreCarry(carry, job.Gw + ((nint)c0 * job.K) + r0, job.K, channels);
                continue;
            }

            AddRaggedRows(job, c0, r0, rows, channels, carry, channelStride: 1, rowStride: L);
        }
    }

    /// <summary>wt[block][(ky·kw + kx)·Cin + ci][16] = w[16·block + lane, ci, ky, kx] (zero past Cout).</summary>
    private static void ForwardTable(float* w, float* wt, in ConvGeometry g)
    {
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
        int image = hd * wd * L, blocks = Blocks(g.Cout), images = g.N, cout = g.Cout, ho = g.Ho, wo = g.Wo, pixels = g.P;
        int top = (g.Kh - 1) * wd * L, side = (g.Kw - 1) * L, row = wd * L;
        bool partial = cout % L != 0;

        // Groups of 8 channels: 8×8 blocks of pixels along each row transposed in registers, the rest one by one.
        int vec = cout % 8 == 0 ? wo / 8 * 8 : 0;
        Threading.For(images, PassGrain(blocks * image), (n0, n1) =>
        {
            for (int n = n0; n < n1; n++)
            {
                for (int b = 0; b < blocks; b++)
                {
                    float* d = dst + ((((nint)b * images) + n) * image);
                    if (partial)
                    {
                        new Span<float>(d, image).Clear();
                        continue;
                    }

                    // Only the border: top and bottom rows, then the columns left and right of each interior row.
                    new Span<float>(d, top).Clear();
                    new Span<float>(d + image - top, top).Clear();
                    for (int oh = 0; oh < ho; oh++)
                    {
                        float* r = d + top + ((nint)oh * row);
                        new Span<float>(r, side).Clear();
                        new Span<float>(r + row - side, side).Clear();
                    }
                }

                for (int c8 = 0; c8 < cout; c8 += 8)
                {
                    int group = Math.Min(8, cout - c8);
                    float* src = dy + ((((nint)n * cout) + c8) * pixels);
                    float* d = dst + ((((nint)(c8 / L) * images) + n) * image) + top + side + (c8 % L);
                    for (int oh = 0; oh < ho; oh++, src += wo, d += row)
                    {
                        for (int ow = 0; ow < vec; ow += 8)
                        {
                            ConvSmallKernels.Transpose8x8(src + ow, pixels, d + (ow * L), L, add: false);
                        }

                        if (vec >= 8 && vec < wo)
                        {
                            // The ragged end of the row: its last 8 pixels, overlapping the block before (a copy).
                            ConvSmallKernels.Transpose8x8(src + wo - 8, pixels, d + ((wo - 8) * L), L, add: false);
                            continue;
                        }

                        for (int c = 0; c < group; c++)
                        {
                            for (int ow = vec; ow < wo; ow++)
                            {
                                d[(ow * L) + c] = src[((nint)c * pixels) + ow];
                            }
                        }
                    }
                }
            }
        });
    }

    /// <summary>dst[plane] [hp, wp] = src[plane] [h, w] placed at (top, left), zeros around it; planes in parallel.</summary>
    /// <summary>
    /// dst [n][hp][wp][c] = x [n][c][h − top][w − left] inside the image, 0 outside: the zero-padded input pixel-major
    /// (each pixel's channels contiguous), 8 channels × 8 columns at a time transposed in registers; images in parallel.
    /// </summary>
    private static void PadPixelMajor(float* src, float* dst, int n, int c, int h, int w, int top, int left, int hp, int wp)
    {
        int c8 = c % 8 == 0 ? c : 0, w8 = w / 8 * 8;
        nint hw = (nint)h * w;
        Threading.For(n, PassGrain(c * hp * wp), (i0, i1) =>
        {
            for (int img = i0; img < i1; img++)
            {
                float* d = dst + ((nint)img * hp * wp * c);
                float* s = src + ((nint)img * c * hw);
                new Span<float>(d, top * wp * c).Clear();
                new Span<float>(d + ((nint)(top + h) * wp * c), (hp - top - h) * wp * c).Clear();
                for (int r = 0; r < h; r++)
                {
                    float* row = d + ((nint)(r + top) * wp * c);
                    new Span<float>(row, left * c).Clear();
                    new Span<float>(row + ((nint)(left + w) * c), (wp - left - w) * c).Clear();
                    float* into = row + ((nint)left * c);
                    float* from = s + ((nint)r * w);
                    for (int ch = 0; ch < c8; ch += 8)
                    {
                        for (int col = 0; col < w8; col += 8)
                        {
                            ConvSmallKernels.Transpose8x8(from + (ch * hw) + col, hw, into + ((nint)col * c) + ch, c, add: false);
                        }
                    }

                    for (int col = c8 > 0 ? w8 : 0; col < w; col++)
                    {
                        for (int ch = 0; ch < c; ch++)
                        {
                            into[((nint)col * c) + ch] = from[(ch * hw) + col];
                        }
                    }
                }
            }
        });
    }

    private static void Pad(float* src, float* dst, int planes, int h, int w, int top, int left, int hp, int wp)
    {
        int bottom = hp - top - h;
        Threading.For(planes, PassGrain(hp * wp), (p0, p1) =>
        {
            for (int pl = p0; pl < p1; pl++)
            {
                // Each float written once: the rows above and below, and each row's columns left and right of the copy.
                float* d = dst + ((nint)pl * hp * wp);
                new Span<float>(d, top * wp).Clear();
                new Span<float>(d + ((nint)(top + h) * wp), bottom * wp).Clear();
                for (int r = 0; r < h; r++)
                {
                    float* row = d + ((r + top) * wp);
                    for (int i = 0; i < left; i++)
                    {
                        row[i] = 0;
                    }

                    ConvDirectKernels.CopyRow(src + ((((nint)pl * h) + r) * w), row + left, w);
                    for (int i = left + w; i < wp; i++)
                    {
                        row[i] = 0;
                    }
                }
            }
        });
    }

    /// <summary>A contiguous range of work units of equal cost (flops each).</summary>
    private readonly record struct Work(int Units, long Flops);

    /// <summary>
    /// The input pixels of dx with the same kernel rows [Ky0, Ky1) and columns [Kx0, Kx1) reaching dy: rows
    /// [Row0, Row1) × columns [Col0, Col1) of every image, in blocks of 8 numbered from <see cref="TileStart"/>.
    /// Lives in the scratch buffer (plain ints).
    /// </summary>
    private readonly struct Group
    {
        public Group(int row0, int row1, int rowKey, int col0, int col1, int colKey, int images, int tileStart)
        {
            Row0 = row0;
            Row1 = row1;
            Col0 = col0;
            Col1 = col1;
            Ky0 = rowKey >> 16;
            Ky1 = rowKey & 0xFFFF;
            Kx0 = colKey >> 16;
            Kx1 = colKey & 0xFFFF;
            Count = images * (row1 - row0) * (col1 - col0);
            Tiles = (Count + R - 1) / R;
            TileStart = tileStart;
        }

        public int Row0 { get; }

        public int Row1 { get; }

        public int Col0 { get; }

        public int Col1 { get; }

        public int Ky0 { get; }

        public int Ky1 { get; }

        public int Kx0 { get; }

        public int Kx1 { get; }

        /// <summary>Pixels over the batch.</summary>
        public int Count { get; }

        public int Tiles { get; }

        public int TileStart { get; }

        /// <summary>Kernel taps the group's pixels receive (0: none).</summary>
        public int Taps => (Ky1 - Ky0) * (Kx1 - Kx0);
    }

    /// <summary>One correlation over blocks of pixels; pointers valid inside the caller's fixed block.</summary>
    private struct Job
    {
        public float* In;
        public nint InImage;

        /// <summary>Floats from one output row's input to the next (forward: stride × padded width).</summary>
        public int InRow;

        /// <summary>Forward: floats from one output column's input to the next (the column stride).</summary>
        public int InColumn;
        public float* Wt;
        public float* Init;
        public int* Off;
        public float* Out;
        public nint OutImage;
        public nint OutBlock;
        public int Channels;
        public int Pixels;
        public int Width;
        public int Count;
        public int K;
        public bool Relu;
        public int Kw;
        public int TapRows;
        public int RowShift;
        public int ColShift;
        public bool Wide;
        public bool Halves;
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
        public bool Halves;

        /// <summary>The units' carry tiles (8 × 16 floats each, by unit) when the images run in chunks, else null.</summary>
        public float* Carry;

        /// <summary>Images per chunk where <see cref="Carry"/> is set.</summary>
        public int ChunkImages;
    }
}
