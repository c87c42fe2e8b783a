using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Direct convolution for images with many channels, channels in the vector lanes (<see cref="ConvSmallKernels"/>):
/// no GEMM calls, no wide grid, no im2col, every result computed in one pass over the batch. Written for the 4-MNISTs
/// 16×12×12 and 16×5×5 layers; the default for every stride-1 kernel with at least
/// <see cref="ConvImplicit.MinChannels"/> input channels since it also beat <see cref="ConvImplicit"/> on the Omniglot
/// shapes (forward + backward, batch 16, idle Zen 4, session 11: 48 channels at 27², 53² and 105² 1.05–1.27× faster at
/// 1 thread and 1.01–1.42× at 2, 16 channels at 35² 1.02–1.37× and 0.97–1.52×), and since session 19 for strided
/// kernels too (before: the polyphase GEMMs of <see cref="ConvImplicit"/>, or im2col where a kernel has fewer taps than
/// the stride on one axis).
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
/// the same tables: output pixel (oh, ow) reads the padded input from (sh·oh, sw·ow) on.</item>
/// <item>dx: the same kernel with the flipped kernel (table [(ky'·kw + kx')·Cout + co][ci] =
/// w[co, ci, kh − 1 − ky', kw − 1 − kx']) on dy zero-padded by kh − 1 rows and kw − 1 columns on each side, over
/// blocks of 8 input pixels. Pixels are grouped by the kernel rows and columns that reach dy (all of them inside the
/// image, fewer near its border): each block sums exactly the taps its pixels receive, never the padding. Strided:
/// input row i (padded u = i + pad top) receives only the kernel rows ≡ u (mod sh), from dy row u / sh down, so the
/// pixels are grouped by phase (u mod sh, v mod sw) as well, each phase with its own flipped sub-kernel (kernel rows
/// r, r + sh, …, columns likewise) in one table, phase after phase (<see cref="PhaseRuns"/>,
/// <see cref="InputGradTable"/>); dy is padded by the largest sub-kernel less one.</item>
/// <item>dW: blocks of 8 weight rows (ci, ky, kx) × 16 output channels, reduced over every pixel of every image in
/// one pass, from the same padded dy stored pixel-major ([pixel][16 channels]) and x (strided: every sw-th column of
/// every sh-th row, <see cref="ConvSmallKernels.Grid.XStep"/>). The half-pass kernels of hosts without
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

    /// <summary>Largest stride per axis handled here (the backward pass keeps a few ints per phase on the stack); larger ones go to im2col.</summary>
    private const int MaxStride = 16;

    /// <summary>
    /// Whether the path handles <paramref name="g"/>: more than one tap, strides up to <see cref="MaxStride"/>,
    /// AVX2/FMA.
    /// </summary>
    public static bool Applies(in ConvGeometry g) =>
        g.Kh * g.Kw > 1 && g.Sh <= MaxStride && g.Sw <= MaxStride && Avx2.IsSupported && Fma.IsSupported;

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

    /// <summary>y [N, Cout, Ho, Wo] = conv(x, w) + b, then max(y, 0) when <paramref name="relu"/>.</summary>
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
        // dW reads the zero-padded x as the forward pass does (here channel-major), at (sh·oh + ky, sw·ow + kx).
        int hp = Math.Max(((g.Ho - 1) * g.Sh) + g.Kh, g.PadTop + g.H), wp = Math.Max(((g.Wo - 1) * g.Sw) + g.Kw, g.PadLeft + g.W);
        bool padded = hp != g.H || wp != g.W;

        // dx: every input pixel reads dy through its phase's flipped sub-kernel (see PhaseRuns), from a copy of dy
        // padded by the largest sub-kernel less one before and at least as much after (stride 1: kh − 1, kw − 1).
        int ayMax = SubKernel(g.Kh, g.Sh, 0), axMax = SubKernel(g.Kw, g.Sw, 0);
        int padRows = ayMax - 1, padCols = axMax - 1;
        int hd = padRows + g.Ho + Math.Max(padRows, ((g.H - 1 + g.PadTop) / g.Sh) - (g.Ho - 1));
        int wd = padCols + g.Wo + Math.Max(padCols, ((g.W - 1 + g.PadLeft) / g.Sw) - (g.Wo - 1));
        int blocksOut = Blocks(g.Cout), blocksIn = Blocks(g.Cin);
        int dyImage = hd * wd * L, dyBlock = g.N * dyImage;

        // dx: the input pixels of each phase grouped by the sub-kernel rows (columns) that reach dy: runs of rows with
        // equal ranges, per phase (one phase at stride 1).
        int* rowRuns = stackalloc int[3 * ((2 * g.Kh) + (2 * g.Sh))];
        int* colRuns = stackalloc int[3 * ((2 * g.Kw) + (2 * g.Sw))];
        int* rowPhases = stackalloc int[g.Sh];
        int* colPhases = stackalloc int[g.Sw];
        int nRows = needX ? PhaseRuns(g.H, g.Kh, g.Sh, g.Ho, g.PadTop, rowRuns, rowPhases) : 0;
        int nCols = needX ? PhaseRuns(g.W, g.Kw, g.Sw, g.Wo, g.PadLeft, colRuns, colPhases) : 0;

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
            PadTransposeDy(pgy, ps, g, hd, wd, padRows, padCols);
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

                // Phase (ry, rx)'s table rows (a', b', co) from its start: dy at (a'·wd + b')·16 past the pixel's base.
                for (int ry = 0, i = 0; ry < g.Sh; ry++)
                {
                    for (int rx = 0; rx < g.Sw; rx++)
                    {
                        int ay = SubKernel(g.Kh, g.Sh, ry), ax = SubKernel(g.Kw, g.Sw, rx);
                        for (int a = 0; a < ay; a++)
                        {
                            for (int bx = 0; bx < ax; bx++)
                            {
                                for (int co = 0; co < g.Cout; co++)
                                {
                                    offX[i++] = ((co / L) * dyBlock) + (((a * wd) + bx) * L) + (co % L);
                                }
                            }
                        }
                    }
                }

                // Row runs of phase ry, then column runs of phase rx: their products are the groups, phase by phase.
                for (int ry = 0, r0 = 0, tableStart = 0; ry < g.Sh; r0 += rowPhases[ry++])
                {
                    for (int rx = 0, c0 = 0; rx < g.Sw; c0 += colPhases[rx++])
                    {
                        int ay = SubKernel(g.Kh, g.Sh, ry), ax = SubKernel(g.Kw, g.Sw, rx);
                        for (int r = r0; r < r0 + rowPhases[ry]; r++)
                        {
                            for (int c = c0; c < c0 + colPhases[rx]; c++)
                            {
                                // Groups that no tap reaches (none at stride 1) get blocks too: they write their zeros.
                                int* rr = rowRuns + (3 * r), cr = colRuns + (3 * c);
                                var grp = new Group(rr, cr, g.Sh, g.Sw, ay, ax, tableStart, g.N, tiles);
                                groupTable[groups++] = grp;
                                tiles += grp.Tiles;
                            }
                        }

                        tableStart += ay * ax * g.Cout;
                    }
                }
            }

            var wjob = new WeightJob
            {
                X = padded ? ps + oXp : px,
                XImage = (nint)g.Cin * hp * wp,
                XRow = g.Sh * wp,
                XStep = g.Sw,
                Dy = ps + (((padRows * wd) + padCols) * L),
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
                TapRows = g.Cout,
                RowShift = g.PadTop,
                ColShift = g.PadLeft,
                StrideH = g.Sh,
                StrideW = g.Sw,
                PadRows = padRows,
                PadCols = padCols,
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
    /// Taps of phase <paramref name="r"/> of a kernel of <paramref name="k"/> taps at stride <paramref name="s"/>
    /// along one axis: the kernel rows r, r + s, r + 2s, … below k (stride 1: k).
    /// </summary>
    private static int SubKernel(int k, int s, int r) => r < k ? (k - r + s - 1) / s : 0;

    /// <summary>
    /// The input rows (or columns) of dx by phase and by the sub-kernel rows that reach dy. Row i (padded: u = i + pad)
    /// is in phase r = u mod s and receives kernel rows r + s·a for a &lt; A = <see cref="SubKernel"/>(k, s, r), from
    /// dy row u / s − a; flipped (a' = A − 1 − a), those inside [0, out) are a' ∈ [max(0, A − 1 − u/s),
    /// min(A, A − 1 + out − u/s)). For each phase in order, runs of its rows (i, i + s, …) with equal ranges are
    /// written to <paramref name="runs"/> as (first row, rows, ky0·65536 + ky1), and their count to
    /// <paramref name="phases"/>[r]; returns the total. At stride 1 these are the runs of rows with equal kernel ranges.
    /// </summary>
    private static int PhaseRuns(int size, int k, int s, int outSize, int pad, int* runs, int* phases)
    {
        int n = 0;
        for (int r = 0; r < s; r++)
        {
            int first = (((r - pad) % s) + s) % s, a = SubKernel(k, s, r), prev = -1, start = n;
            for (int i = first; i < size; i += s)
            {
                int q = (i + pad) / s;
                int k0 = Math.Max(0, a - 1 - q), k1 = Math.Max(k0, Math.Min(a, a - 1 + outSize - q));
                int key = (k0 << 16) | k1;
                if (key != prev)
                {
                    runs[3 * n] = i;
                    runs[(3 * n) + 1] = 0;
                    runs[(3 * n) + 2] = key;
                    n++;
                    prev = key;
                }

                runs[(3 * n) - 2]++;
            }

            phases[r] = n - start;
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
            int rowsIn = grp.Rows, cols = grp.Cols, per = rowsIn * cols;
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

                // The pixel's base in the padded dy: its phase's tap (a', b') = (0, 0), i.e. a = ay − 1 rows above
                // (ih + pad top) / sh (stride 1: row ih + pad top).
                int ih = grp.Row0 + (r * grp.RowStep), iw = grp.Col0 + (c * grp.ColStep);
                int dr = ((ih + job.RowShift) / job.StrideH) - grp.Ay + 1 + job.PadRows;
                int dc = ((iw + job.ColShift) / job.StrideW) - grp.Ax + 1 + job.PadCols;
                src[j] = job.In + (n * job.InImage) + ((nint)dr * job.InRow) + ((nint)dc * L);
                dst[j] = outBlock + (n * job.OutImage) + ((nint)((ih * job.Width) + iw) * L);
            }

            // Table rows (a', b', co) of the group's phase: sub-kernel rows [Ky0, Ky1), each the columns [Kx0, Kx1) ×
            // every channel (one run when the group receives whole sub-kernel rows).
            int tap = job.TapRows, ax = grp.Ax, start = grp.TableStart + (((grp.Ky0 * ax) + grp.Kx0) * tap);
            var rows = grp.Kx1 - grp.Kx0 == ax
                ? new ConvSmallKernels.Segments(start, 1, (grp.Ky1 - grp.Ky0) * ax * tap, 0)
                : new ConvSmallKernels.Segments(start, grp.Ky1 - grp.Ky0, (grp.Kx1 - grp.Kx0) * tap, ax * tap);
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
            var d = new ConvSmallKernels.Grid(job.Dy + ((nint)block * job.DyBlock), job.DyImage, job.DyRow, job.N, job.Ho, job.Wo, job.XStep);
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
                var d = new ConvSmallKernels.Grid(job.Dy + ((nint)block * job.DyBlock) + (n0 * job.DyImage), job.DyImage, job.DyRow, images, job.Ho, job.Wo, job.XStep);
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

    /// <summary>
    /// The flipped sub-kernels, phase (ry, rx) after phase: wt[block][start(ry, rx) + (a'·Ax + b')·Cout + co][16] =
    /// w[co, 16·block + lane, ry + sh·(Ay − 1 − a'), rx + sw·(Ax − 1 − b')] (zero past Cin), where the phase's sub-kernel
    /// is Ay × Ax (<see cref="SubKernel"/>). At stride 1: [(ky'·kw + kx')·Cout + co] = w[co, ·, kh − 1 − ky', kw − 1 − kx'].
    /// </summary>
    private static void InputGradTable(float* w, float* wt, in ConvGeometry g)
    {
        int taps = g.Kh * g.Kw, kd = g.Cout * taps;
        if (g.Cin % L != 0)
        {
            new Span<float>(wt, Blocks(g.Cin) * kd * L).Clear();
        }

        for (int ry = 0, start = 0; ry < g.Sh; ry++)
        {
            for (int rx = 0; rx < g.Sw; rx++)
            {
                int ay = SubKernel(g.Kh, g.Sh, ry), ax = SubKernel(g.Kw, g.Sw, rx);
                for (int co = 0; co < g.Cout; co++)
                {
                    for (int ci = 0; ci < g.Cin; ci++)
                    {
                        float* src = w + ((((nint)co * g.Cin) + ci) * taps);
                        float* dst = wt + ((nint)(ci / L) * kd * L) + (ci % L);
                        for (int a = 0; a < ay; a++)
                        {
                            for (int b = 0; b < ax; b++)
                            {
                                int ky = ry + (g.Sh * (ay - 1 - a)), kx = rx + (g.Sw * (ax - 1 - b));
                                dst[((nint)start + (((a * ax) + b) * g.Cout) + co) * L] = src[(ky * g.Kw) + kx];
                            }
                        }
                    }
                }

                start += ay * ax * g.Cout;
            }
        }
    }

    /// <summary>
    /// dyP[block][n][(oh + padRows)·wd + ow + padCols][lane] = dy[n, 16·block + lane, oh, ow], zero elsewhere (the
    /// border: padRows rows above, hd − Ho − padRows below, padCols columns left, wd − Wo − padCols right; channels past
    /// Cout).
    /// </summary>
    private static void PadTransposeDy(float* dy, float* dst, in ConvGeometry g, int hd, int wd, int padRows, int padCols)
    {
        int image = hd * wd * L, blocks = Blocks(g.Cout), images = g.N, cout = g.Cout, ho = g.Ho, wo = g.Wo, pixels = g.P;
        int top = padRows * wd * L, bottom = (hd - ho - padRows) * wd * L, side = padCols * L, right = (wd - wo - padCols) * L, row = wd * L;
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
                    new Span<float>(d + image - bottom, bottom).Clear();
                    for (int oh = 0; oh < ho; oh++)
                    {
                        float* r = d + top + ((nint)oh * row);
                        new Span<float>(r, side).Clear();
                        new Span<float>(r + row - right, right).Clear();
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

    /// <summary>dst[plane] [hp, wp] = src[plane] [h, w] placed at (top, left), zeros around it; planes in parallel.</summary>
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
    /// The input pixels of dx of one phase with the same sub-kernel rows [Ky0, Ky1) and columns [Kx0, Kx1) reaching
    /// dy: rows Row0 + RowStep·r (r &lt; Rows) × columns Col0 + ColStep·c (c &lt; Cols) of every image, in blocks of 8
    /// numbered from <see cref="TileStart"/>; the phase's sub-kernel has Ay × Ax taps, its table rows start at
    /// <see cref="TableStart"/>. Lives in the scratch buffer (plain ints).
    /// </summary>
    private readonly struct Group
    {
        /// <summary>From a row run and a column run of <see cref="PhaseRuns"/> (first, count, key).</summary>
        public Group(int* rowRun, int* colRun, int rowStep, int colStep, int ay, int ax, int tableStart, int images, int tileStart)
        {
            Row0 = rowRun[0];
            Rows = rowRun[1];
            RowStep = rowStep;
            Col0 = colRun[0];
            Cols = colRun[1];
            ColStep = colStep;
            Ky0 = rowRun[2] >> 16;
            Ky1 = rowRun[2] & 0xFFFF;
            Kx0 = colRun[2] >> 16;
            Kx1 = colRun[2] & 0xFFFF;
            Ay = ay;
            Ax = ax;
            TableStart = tableStart;
            Count = images * Rows * Cols;
            Tiles = (Count + R - 1) / R;
            TileStart = tileStart;
        }

        public int Row0 { get; }

        public int Rows { get; }

        public int RowStep { get; }

        public int Col0 { get; }

        public int Cols { get; }

        public int ColStep { get; }

        public int Ky0 { get; }

        public int Ky1 { get; }

        public int Kx0 { get; }

        public int Kx1 { get; }

        /// <summary>Rows of the phase's sub-kernel.</summary>
        public int Ay { get; }

        /// <summary>Columns of the phase's sub-kernel.</summary>
        public int Ax { get; }

        /// <summary>The phase's first row in the flipped table.</summary>
        public int TableStart { get; }

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
        public int TapRows;
        public int RowShift;
        public int ColShift;

        /// <summary>dx: the strides (a pixel's phase and dy row follow from (ih + RowShift) / StrideH, …).</summary>
        public int StrideH;
        public int StrideW;

        /// <summary>dx: dy's zero rows above (columns left of) the image.</summary>
        public int PadRows;
        public int PadCols;
        public bool Wide;
        public bool Halves;
    }

    /// <summary>The weight gradient (see <see cref="WeightUnits"/>); pointers valid inside the caller's fixed block.</summary>
    private struct WeightJob
    {
        public float* X;
        public nint XImage;

        /// <summary>Floats of x from one output row to the next (stride × padded width).</summary>
        public int XRow;

        /// <summary>Floats of x from one output column to the next (the column stride).</summary>
        public int XStep;
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
