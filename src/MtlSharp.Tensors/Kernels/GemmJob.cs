namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// One multi-threaded GEMM: the operands and a cached <see cref="Threading.RangeBody"/> that runs block b of
/// <see cref="Blocks"/> ranges of column panels (or row panels) of C with <see cref="GemmBlocked.Run"/> (for
/// <see cref="Threading.ForBlocks"/>: each block writes its own panels of C, the same way whichever thread claims it).
/// Instances are cached per calling thread so the dispatch allocates no closure; a nested call on the same thread
/// gets a fresh one.
/// </summary>
internal sealed unsafe class GemmJob
{
    [ThreadStatic]
    private static GemmJob? t_cached;

    private float* _a;
    private float* _b;
    private float* _c;
    private bool _transA;
    private bool _transB;
    private bool _accumulate;
    private bool _busy;
    private bool _small;
    private bool _wide;
    private int _mr;
    private int _nr;
    private int _m;
    private int _n;
    private int _k;

    private GemmJob()
    {
        BlockBody = RunBlock;
    }

    /// <summary>
    /// The loop body for <see cref="Threading.ForBlocks"/>: (b, b + 1) runs block b of <see cref="Blocks"/>, the
    /// panels [<see cref="Threading.ChunkStart"/>(b), <see cref="Threading.ChunkStart"/>(b + 1)).
    /// </summary>
    public Threading.RangeBody BlockBody { get; }

    /// <summary>How many blocks of panels <see cref="BlockBody"/> cuts the work into (at least 1).</summary>
    public int Blocks { get; private set; } = 1;

    /// <summary>Whether the work is cut along n (column panels) rather than m (row panels).</summary>
    public bool SplitN { get; private set; }

    /// <summary>The number of panels (of the kernel's NR columns or MR rows) the work is cut into.</summary>
    public int Panels => SplitN ? (_n + _nr - 1) / _nr : (_m + _mr - 1) / _mr;

    /// <summary>The calling thread's cached job, or a new one when it is already in use.</summary>
    public static GemmJob Rent()
    {
        var job = t_cached ??= new GemmJob();
        if (job._busy)
        {
            job = new GemmJob();
        }

        job._busy = true;
        return job;
    }

    /// <summary>Releases a job from <see cref="Rent"/> and drops its pointers.</summary>
    public void Return()
    {
        _a = _b = _c = null;
        _busy = false;
    }

    /// <summary>
    /// Sets the operands (see <see cref="Gemm.Multiply"/>); pointers must stay pinned until <see cref="Return"/>.
    /// With <paramref name="small"/>, the work is cut into blocks of <see cref="GemmMicroKernel.MR"/> rows of C, each
    /// run by <see cref="GemmSmall"/> (n must be at least 2); otherwise <paramref name="wide"/> picks the packed
    /// kernel's width (<see cref="GemmWidth"/>). The panels are grouped into <see cref="Blocks"/> of at least
    /// <paramref name="minBlockWork"/> multiply-adds each (as many as <see cref="Threading.ChunkCount"/> allows).
    /// </summary>
    public void Set(float* a, bool transA, float* b, bool transB, float* c, int m, int n, int k, bool accumulate, bool small, bool wide, long minBlockWork)
    {
        _small = small;
        _wide = wide && !small;
        _mr = small ? GemmMicroKernel.MR : wide ? GemmKernel512.MR : GemmKernel256.MR;
        _nr = wide ? GemmKernel512.NR : GemmKernel256.NR;
        _a = a;
        _b = b;
        _c = c;
        _transA = transA;
        _transB = transB;
        _accumulate = accumulate;
        _m = m;
        _n = n;
        _k = k;

        // Cut along the longer side in panels; cutting n shares nothing, cutting m duplicates B packing per thread.
        SplitN = !small && (n + _nr - 1) / _nr * _nr >= m;

        int panels = Panels;
        long perPanel = Math.Max(1, (long)m * n * k / panels);
        int grain = (int)Math.Min(panels, (minBlockWork + perPanel - 1) / perPanel);
        Blocks = Math.Max(1, Threading.ChunkCount(panels, grain));
    }

    private void RunBlock(int start, int end)
    {
        int panels = Panels;
        for (int b = start; b < end; b++)
        {
            RunRange(Threading.ChunkStart(b, Blocks, panels), Threading.ChunkStart(b + 1, Blocks, panels));
        }
    }

    /// <summary>Runs the panels [start, end): NR-column or MR-row panels.</summary>
    private void RunRange(int start, int end)
    {
        nint lda = _transA ? _m : _k;
        nint ldb = _transB ? _k : _n;
        if (_small)
        {
            int i0 = start * _mr;
            int i1 = Math.Min(_m, end * _mr);
            float* a = _transA ? _a + i0 : _a + (i0 * lda);
            GemmSmall.Run(a, _transA, _m, _b, _transB, _c + ((nint)i0 * _n), i1 - i0, _n, _k, _accumulate);
        }
        else if (SplitN)
        {
            int j0 = start * _nr;
            int j1 = Math.Min(_n, end * _nr);
            float* b = _transB ? _b + (j0 * ldb) : _b + j0;
            GemmBlocked.RunOnWidth(_a, _transA, lda, b, _transB, ldb, _c + j0, _n, _m, j1 - j0, _k, _accumulate, _wide);
        }
        else
        {
            int i0 = start * _mr;
            int i1 = Math.Min(_m, end * _mr);
            float* a = _transA ? _a + i0 : _a + (i0 * lda);
            GemmBlocked.RunOnWidth(a, _transA, lda, _b, _transB, ldb, _c + ((nint)i0 * _n), _n, i1 - i0, _n, _k, _accumulate, _wide);
        }
    }
}
