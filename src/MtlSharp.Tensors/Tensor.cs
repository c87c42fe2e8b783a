using System.Runtime.CompilerServices;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors;

/// <summary>
/// A float32, contiguous, row-major tensor that records the op that produced it (define-by-run).
/// </summary>
/// <remarks>
/// <para>Storage is a slice of a <c>float[]</c> (<see cref="Buffer"/> from <see cref="Offset"/>, <see cref="Length"/>
/// elements), so parameters can live inside one flat buffer (see <see cref="BindStorage"/>) and reshapes are views.</para>
/// <para>Tensors made by ops inside a <see cref="TensorArena"/> scope borrow pooled buffers that go back to the arena
/// when the scope ends; such a tensor must not be read after that (copy what you keep with <see cref="ToArray"/> or
/// <see cref="Clone"/>). Tensors made by the public factories (<see cref="Zeros(Shape)"/>, <see cref="FromArray"/>…)
/// always own fresh storage.</para>
/// </remarks>
public sealed partial class Tensor
{
    private float[] _data;
    private int _offset;
    private float[]? _grad;
    private int _gradOffset;
    private Tensor? _gradView;
    private bool _requiresGrad;

    // Backward-pass bookkeeping; see Autograd. A pass id stamps which pass a field belongs to,
    // so nothing needs clearing between passes.
    internal int VisitPass;
    internal int NeededPass;
    internal int TargetPass;
    internal float[]? ScratchGrad;
    internal int ScratchOffset;
    internal int BoundPass;   // the pass whose ScratchGrad is a caller's destination (Autograd.GradInto)

    private Tensor(Shape shape, float[] data, int offset)
    {
        Shape = shape;
        _data = data;
        _offset = offset;
        if (offset < 0 || offset + shape.Size > data.Length)
        {
            throw new ArgumentException($"Storage of length {data.Length} at offset {offset} cannot hold shape {shape}.");
        }
    }

    /// <summary>The dimensions.</summary>
    public Shape Shape { get; }

    /// <summary>Number of elements.</summary>
    public int Length => Shape.Size;

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Rank;

    /// <summary>The backing array (shared with views and, for packed parameters, with other tensors).</summary>
    public float[] Buffer => _data;

    /// <summary>Where this tensor's elements start in <see cref="Buffer"/>.</summary>
    public int Offset => _offset;

    /// <summary>The elements, row-major.</summary>
    public Span<float> Span => new(_data, _offset, Shape.Size);

    /// <summary>The op that produced this tensor while gradients were recorded, or null for a leaf.</summary>
    public Node? GradFn { get; private set; }

    /// <summary>True when no recorded op produced this tensor.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>An optional name used in error messages (parameters carry their dotted name here).</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Whether gradients flow to this tensor. Settable on leaves only (parameters); op outputs inherit it from
    /// their inputs.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (!IsLeaf)
            {
                throw new InvalidOperationException($"RequiresGrad can only be set on a leaf tensor; this one was produced by {GradFn!.Name}.");
            }

            _requiresGrad = value;
        }
    }

    /// <summary>
    /// The accumulated gradient of a leaf (filled by <see cref="Autograd.Backward(Tensor)"/>), or null before the
    /// first backward pass reached it. Shares storage with the gradient buffer.
    /// </summary>
    public Tensor? Grad
    {
        get
        {
            if (_grad is null)
            {
                return null;
            }

            return _gradView ??= new Tensor(Shape, _grad, _gradOffset);
        }
    }

    /// <summary>The gradient as a span, allocating a zero gradient if none exists yet.</summary>
    public Span<float> GradSpan
    {
        get
        {
            EnsureGrad();
            return new Span<float>(_grad, _gradOffset, Shape.Size);
        }
    }

    internal bool HasGrad => _grad is not null;

    /// <summary>Sets the gradient to zero (keeps its storage).</summary>
    public void ZeroGrad()
    {
        if (_grad is not null)
        {
            Array.Clear(_grad, _gradOffset, Shape.Size);
        }
    }

    private void EnsureGrad()
    {
        if (_grad is null)
        {
            _grad = new float[Shape.Size];
            _gradOffset = 0;
            _gradView = null;
        }
    }

    /// <summary>
    /// Moves this tensor's values and gradient into slices of caller-owned buffers (llm.c-style flat parameter
    /// storage). The current values are copied into <paramref name="data"/>; the gradient slice is zeroed.
    /// </summary>
    public void BindStorage(float[] data, int offset, float[] grad, int gradOffset)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(grad);
        if (offset < 0 || offset + Length > data.Length || gradOffset < 0 || gradOffset + Length > grad.Length)
        {
            throw new ArgumentException($"Flat storage too small for tensor {Name ?? ""} of shape {Shape}.");
        }

        Span.CopyTo(new Span<float>(data, offset, Length));
        _data = data;
        _offset = offset;
        _grad = grad;
        _gradOffset = gradOffset;
        _gradView = null;
        Array.Clear(grad, gradOffset, Length);
    }

    internal void SetGradFn(Node node)
    {
        GradFn = node;
        _requiresGrad = true;
    }

    // ---------------------------------------------------------------- factories (fresh storage)

    /// <summary>A tensor of zeros with its own storage.</summary>
    public static Tensor Zeros(Shape shape) => new(shape, new float[shape.Size], 0);

    /// <summary>A tensor of zeros with its own storage.</summary>
    public static Tensor Zeros(params int[] dims) => Zeros(new Shape(dims));

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(Shape shape, float value)
    {
        var t = Zeros(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(params int[] dims) => Full(new Shape(dims), 1f);

    /// <summary>A scalar tensor (shape []).</summary>
    public static Tensor Scalar(float value) => Full(Shape.Scalar, value);

    /// <summary>Copies <paramref name="values"/> into a new tensor of the given shape.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> values, params int[] dims)
    {
        var shape = new Shape(dims);
        if (values.Length != shape.Size)
        {
            throw new ArgumentException($"FromArray: {values.Length} values cannot fill shape {shape} ({shape.Size} elements).");
        }

        var t = Zeros(shape);
        values.CopyTo(t.Span);
        return t;
    }

    /// <summary>Wraps an existing array without copying (the tensor aliases it).</summary>
    public static Tensor Wrap(float[] data, int offset, Shape shape) => new(shape, data, offset);

    /// <summary>Uniform samples in [low, high) from <paramref name="rng"/>.</summary>
    public static Tensor Uniform(Shape shape, float low, float high, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var t = Zeros(shape);
        rng.FillUniform(t.Span, low, high);
        return t;
    }

    /// <summary>Normal samples with the given mean and standard deviation from <paramref name="rng"/>.</summary>
    public static Tensor Normal(Shape shape, float mean, float std, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var t = Zeros(shape);
        rng.FillNormal(t.Span, mean, std);
        return t;
    }

    // ---------------------------------------------------------------- op outputs (arena-backed)

    /// <summary>
    /// An uninitialised tensor for an op's output: from the active <see cref="TensorArena"/> when one is entered,
    /// else freshly allocated (zeroed). Contents are unspecified; the caller overwrites every element.
    /// </summary>
    public static Tensor Scratch(Shape shape)
    {
        var (arr, off) = TensorArena.Rent(shape.Size);
        return new Tensor(shape, arr, off);
    }

    /// <summary>Like <see cref="Scratch"/>, but zero-filled.</summary>
    public static Tensor ScratchZeros(Shape shape)
    {
        var t = Scratch(shape);
        t.Span.Clear();
        return t;
    }

    /// <summary>Attaches <paramref name="node"/> as the producer of this op output (when recording is on).</summary>
    public Tensor WithGradFn(Node? node)
    {
        if (node is not null)
        {
            SetGradFn(node);
        }

        return this;
    }

    // ---------------------------------------------------------------- views and copies

    /// <summary>A view of the same storage with another shape of equal size (no gradient link; see Ops.Reshape).</summary>
    internal Tensor ViewAs(Shape shape)
    {
        if (shape.Size != Length)
        {
            throw new ShapeMismatchException("view", "sizes must agree", Shape, shape);
        }

        return new Tensor(shape, _data, _offset);
    }

    /// <summary>
    /// A tensor sharing this storage that is cut off from the graph (PyTorch's <c>detach</c>): no gradient flows
    /// through it.
    /// </summary>
    public Tensor Detach() => new(Shape, _data, _offset) { Name = Name };

    /// <summary>A copy with its own fresh storage, detached from the graph.</summary>
    public Tensor Clone()
    {
        var t = Zeros(Shape);
        Span.CopyTo(t.Span);
        t.Name = Name;
        return t;
    }

    /// <summary>The elements copied into a new array.</summary>
    public float[] ToArray() => Span.ToArray();

    /// <summary>The value of a one-element tensor.</summary>
    public float Item()
    {
        if (Length != 1)
        {
            throw new InvalidOperationException($"Item() needs a one-element tensor; this one has shape {Shape}.");
        }

        return _data[_offset];
    }

    /// <summary>Element access by full index (slow; for tests and inspection).</summary>
    [IndexerName("Element")]
    public float this[params int[] index]
    {
        get => _data[_offset + FlatIndex(index)];
        set => _data[_offset + FlatIndex(index)] = value;
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != Rank)
        {
            throw new ArgumentException($"Index of rank {index.Length} for tensor of shape {Shape}.");
        }

        int flat = 0;
        ReadOnlySpan<int> dims = Shape.Dims;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)dims[i])
            {
                throw new IndexOutOfRangeException($"Index {index[i]} out of range for axis {i} of shape {Shape}.");
            }

            flat = (flat * dims[i]) + index[i];
        }

        return flat;
    }

    /// <summary>Short description: shape, name and producer.</summary>
    public override string ToString() =>
        $"Tensor{Shape}{(Name is null ? "" : " " + Name)}{(GradFn is null ? "" : " <- " + GradFn.Name)}";

    internal Span<float> ScratchSpan => new(ScratchGrad, ScratchOffset, Shape.Size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<float> PersistentGradSpan()
    {
        EnsureGrad();
        return new Span<float>(_grad, _gradOffset, Shape.Size);
    }
}
