namespace MtlSharp.Tensors.Kernels;

/// <summary>The view layouts of <see cref="ConvImplicit"/> (see its summary).</summary>
internal static partial class ConvImplicit
{
    /// <summary>
    /// Sizes of the views of one image (see the class remarks). Made once on the calling thread (the layout choice
    /// reads the thread-static <see cref="KernelOverrides"/>) and handed to the workers.
    /// </summary>
    internal readonly struct Layout
    {
        public Layout(in ConvGeometry g)
        {
            KernelPathOverride o = KernelOverrides.Current;
            Banded = g.Sh == 1 && g.Sw == 1 && (o.Banded ?? UseBanded(g));
            ColumnsDw = Banded && (o.ColumnsDw ?? (long)g.Cin * (g.Ho + g.Kh - 1) * g.Wo <= ColumnsDwMaxFloats);
            Hp = g.Ho + SubKernel(g.Kh, g.Sh) - 1;
            Lw = g.Wo + SubKernel(g.Kw, g.Sw) - 1;
            Views = g.Sh * g.Sw;
            ViewPlane = Hp * Lw;
            ViewLen = g.Cin * ViewPlane;
            _sh = g.Sh;
            _sw = g.Sw;

            // Slack: the wide grid's overhang (at most a row's kw columns), plus whole-vector reads of the
            // weight-gradient kernel past Ho·Lw.
            Len = (Views * ViewLen) + g.Kw + 8;
            Qv = ((g.Ho * Lw) + 7) & ~7;
        }

        private readonly int _sh;
        private readonly int _sw;

        /// <summary>Stride 1: forward pass and input gradient by <see cref="ConvImplicitBanded"/>, dW by <see cref="ConvImplicitWeightGrad.ImageByColumns"/> (no views).</summary>
        public bool Banded { get; }

        /// <summary>
        /// Banded, and dW by <see cref="ConvImplicitWeightGrad.ImageByColumns"/> (one column-shifted copy of the image
        /// at a time) rather than from this layout's views.
        /// </summary>
        public bool ColumnsDw { get; }

        public int Hp { get; }

        /// <summary>Row width of the grid and of the views.</summary>
        public int Lw { get; }

        public int Views { get; }

        /// <summary>Floats per channel of a view: Hp·Lw.</summary>
        public int ViewPlane { get; }

        /// <summary>Floats per view: Cin·Hp·Lw.</summary>
        public int ViewLen { get; }

        /// <summary>Floats of the views buffer, slack included.</summary>
        public int Len { get; }

        /// <summary>Floats per channel of dy on the grid: Ho·Lw rounded up to whole vectors.</summary>
        public int Qv { get; }

        /// <summary>Taps along one axis of the largest sub-kernel of a strided kernel: ceil(k / s).</summary>
        public static int SubKernel(int k, int s) => (k + s - 1) / s;

        /// <summary>
        /// Where tap (ky, kx) starts in the views buffer: wide (stride 1), ky·Lw + kx; phased (strides sh, sw), phase
        /// (ky mod sh, kx mod sw) at (ky / sh)·Lw + kx / sw.
        /// </summary>
        public int Offset(int ky, int kx) =>
            ((((ky % _sh) * _sw) + (kx % _sw)) * ViewLen) + ((ky / _sh) * Lw) + (kx / _sw);
    }

    /// <summary>
    /// Which part of view k holds input pixels: view rows i ∈ [I0, I1) read input row sh·i + RowOff, view columns
    /// j ∈ [J0, J1) input column sw·j + ColOff; the rest is zero padding.
    /// </summary>
    private readonly struct ViewRange
    {
        public ViewRange(int k, in Layout l, in ConvGeometry g)
        {
            // View k is phase (k / sw, k mod sw) (the single view of the wide layout at stride 1).
            int py = k / g.Sw, px = k % g.Sw;
            RowOff = py - g.PadTop;
            ColOff = px - g.PadLeft;
            I0 = Math.Max(0, CeilDiv(-RowOff, g.Sh));
            I1 = Math.Min(l.Hp, CeilDiv(g.H - RowOff, g.Sh));
            J0 = Math.Max(0, CeilDiv(-ColOff, g.Sw));
            J1 = Math.Min(l.Lw, CeilDiv(g.W - ColOff, g.Sw));
        }

        public int RowOff { get; }

        public int ColOff { get; }

        public int I0 { get; }

        public int I1 { get; }

        public int J0 { get; }

        public int J1 { get; }

        public bool Empty => I1 <= I0 || J1 <= J0;

        /// <summary>ceil(a / b) for b &gt; 0 and any sign of a.</summary>
        private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
    }
}
