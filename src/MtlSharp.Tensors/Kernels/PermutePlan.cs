namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// A copy that reorders the axes of a contiguous row-major tensor, simplified once: output axes that stay
/// adjacent in the input are merged, so e.g. [N, C, H, W] → [N, H, W, C] runs as a batched transpose of
/// [N][C, H·W] matrices. Forward copies input → output; backward adds the output gradient into the input gradient.
/// </summary>
internal sealed class PermutePlan
{
    private const int Tile = 16;

    // Merged problem: output dims and, for each output axis, its stride in the input.
    private readonly int[] _outDims;
    private readonly int[] _inStrides;
    private readonly int _size;

    // Batched transpose form, when it applies: input [batch, rows, cols] → output [batch, cols, rows].
    private readonly bool _isTranspose;
    private readonly int _batch, _rows, _cols;

    private PermutePlan(int[] outDims, int[] inStrides, int size)
    {
        _outDims = outDims;
        _inStrides = inStrides;
        _size = size;
        int r = outDims.Length;
        if (r == 2 && inStrides[1] == outDims[0] && inStrides[0] == 1)
        {
            (_isTranspose, _batch, _rows, _cols) = (true, 1, outDims[1], outDims[0]);
        }
        else if (r == 3 && inStrides[2] == outDims[1] && inStrides[1] == 1 && inStrides[0] == outDims[1] * outDims[2])
        {
            (_isTranspose, _batch, _rows, _cols) = (true, outDims[0], outDims[2], outDims[1]);
        }
    }

    /// <summary>Plans output axis i = input axis <paramref name="axes"/>[i] for an input of dims <paramref name="dims"/>.</summary>
    public static PermutePlan Create(ReadOnlySpan<int> dims, ReadOnlySpan<int> axes)
    {
        int r = dims.Length;
        Span<int> stride = stackalloc int[Math.Max(r, 1)];
        int size = 1;
        for (int i = r - 1; i >= 0; i--)
        {
            stride[i] = size;
            size *= dims[i];
        }

        // Merge runs of output axes that are consecutive input axes; drop size-1 axes.
        var od = new List<int>(r);
        var os = new List<int>(r);
        int prevAxis = -2;
        for (int i = 0; i < r; i++)
        {
            int ax = axes[i];
            if (dims[ax] == 1)
            {
                continue;
            }

            if (od.Count > 0 && ax == prevAxis + 1)
            {
                od[^1] *= dims[ax];
                os[^1] = stride[ax];
            }
            else
            {
                od.Add(dims[ax]);
                os.Add(stride[ax]);
            }

            prevAxis = ax;
        }

        return new PermutePlan([.. od], [.. os], size);
    }

    /// <summary>Forward: dst[o] = src[in(o)]. Backward: dst[in(o)] += src[o] (dst is the input gradient).</summary>
    public void Apply(ReadOnlySpan<float> src, Span<float> dst, bool forward)
    {
        if (_size == 0)
        {
            return;
        }

        if (_outDims.Length <= 1)
        {
            // Identity layout (the permutation moved only size-1 axes).
            if (forward)
            {
                src[.._size].CopyTo(dst);
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Add(dst[.._size], src[.._size], dst[.._size]);
            }

            return;
        }

        if (_isTranspose)
        {
            // Forward: src [B, rows, cols] → dst [B, cols, rows]. Backward: gradient g [B, cols, rows] added into
            // gx [B, rows, cols], i.e. the same kernel with rows and cols swapped.
            if (forward)
            {
                TransposeBatched(src, dst, _batch, _rows, _cols, accumulate: false);
            }
            else
            {
                TransposeBatched(src, dst, _batch, _cols, _rows, accumulate: true);
            }

            return;
        }

        General(src, dst, forward);
    }

    /// <summary>dst[b, j, i] (+)= src[b, i, j] for src [batch, rows, cols], in cache tiles; parallel when large.</summary>
    private static unsafe void TransposeBatched(ReadOnlySpan<float> src, Span<float> dst, int batch, int rows, int cols, bool accumulate)
    {
        int rowTiles = (rows + Tile - 1) / Tile;
        int units = batch * rowTiles;
        int perUnit = Tile * cols;
        int grain = Math.Max(1, (1 << 16) / Math.Max(1, perUnit));
        fixed (float* ps = src, pd = dst)
        {
            float* s = ps, d = pd;
            Threading.For(units, grain, (start, end) =>
            {
                for (int u = start; u < end; u++)
                {
                    int b = u / rowTiles;
                    int i0 = (u % rowTiles) * Tile;
                    int i1 = Math.Min(rows, i0 + Tile);
                    float* sb = s + ((long)b * rows * cols);
                    float* db = d + ((long)b * rows * cols);
                    for (int j0 = 0; j0 < cols; j0 += Tile)
                    {
                        int j1 = Math.Min(cols, j0 + Tile);
                        for (int j = j0; j < j1; j++)
                        {
                            float* drow = db + ((long)j * rows);
                            float* scol = sb + j;
                            if (accumulate)
                            {
                                for (int i = i0; i < i1; i++)
                                {
                                    drow[i] += scol[(long)i * cols];
                                }
                            }
                            else
                            {
                                for (int i = i0; i < i1; i++)
                                {
                                    drow[i] = scol[(long)i * cols];
                                }
                            }
                        }
                    }
                }
            });
        }
    }

    /// <summary>Walks the output in order with an odometer over the merged axes.</summary>
    private void General(ReadOnlySpan<float> src, Span<float> dst, bool forward)
    {
        int r = _outDims.Length;
        int inner = _outDims[r - 1];
        int innerStride = _inStrides[r - 1];
        Span<int> idx = stackalloc int[r];
        int inBase = 0;
        for (int o = 0; o < _size; o += inner)
        {
            if (innerStride == 1)
            {
                if (forward)
                {
                    src.Slice(inBase, inner).CopyTo(dst.Slice(o, inner));
                }
                else
                {
                    Span<float> g = dst.Slice(inBase, inner);
                    System.Numerics.Tensors.TensorPrimitives.Add(g, src.Slice(o, inner), g);
                }
            }
            else if (forward)
            {
                for (int j = 0, p = inBase; j < inner; j++, p += innerStride)
                {
                    dst[o + j] = src[p];
                }
            }
            else
            {
                for (int j = 0, p = inBase; j < inner; j++, p += innerStride)
                {
                    dst[p] += src[o + j];
                }
            }

            for (int ax = r - 2; ax >= 0; ax--)
            {
                inBase += _inStrides[ax];
                if (++idx[ax] < _outDims[ax])
                {
                    break;
                }

                inBase -= _inStrides[ax] * _outDims[ax];
                idx[ax] = 0;
            }
        }
    }
}
