using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MtlSharp.Tensors;

/// <summary>
/// Float reductions (Σx, Σx·y, Σx²) whose rounding is the same on every host: AVX2 and AVX-512 machines, and every
/// thread count, get the same bits. <c>TensorPrimitives.Sum</c>/<c>Dot</c>/<c>SumOfSquares</c> accumulate in as
/// many lanes as the host's widest vector, so their last bits differ between AVX2 and AVX-512 hosts; every op,
/// loss and optimizer step of the library reduces through this class instead.
/// </summary>
/// <remarks>
/// The order, which both widths follow: element <c>i</c> of the first <c>64·⌊n/64⌋</c> goes into partial sum
/// <c>p[i mod 64]</c>; each following full group of 16 elements goes into <c>p[0..15]</c>, element by element; one
/// add per element (one fused multiply-add for the dot products), in index order. The 64 partials are folded in
/// halves — p[j] + p[j+32], then + [j+16], + [j+8], + [j+4], + [j+2], + [j+1] — and the remaining (fewer than 16)
/// elements are added one by one in index order. On AVX-512 hosts that is four 16-lane accumulators, elsewhere
/// eight 8-lane ones (emulated where even 256-bit vectors are not accelerated: slower, the same bits). Fused
/// multiply-adds round once, so the dot products match <see cref="MathF.FusedMultiplyAdd"/>, not x·y + s.
/// </remarks>
public static class FixedOrder
{
    private const int Block = 64, Group = 16;

    /// <summary>Σ x in the fixed order (0 for an empty span).</summary>
    public static float Sum(ReadOnlySpan<float> x)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        int n = x.Length, vectorized = n / Group * Group;
        float s = 0;
        if (vectorized > 0)
        {
            s = Vector512.IsHardwareAccelerated ? Sum512(ref px, n) : Sum256(ref px, n);
        }

        for (int i = vectorized; i < n; i++)
        {
            s += Unsafe.Add(ref px, i);
        }

        return s;
    }

    /// <summary>Σ x·y in the fixed order (fused multiply-adds); the spans must have the same length.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"FixedOrder.Dot: the spans differ in length ({x.Length} and {y.Length}).", nameof(y));
        }

        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = x.Length, vectorized = n / Group * Group;
        float s = 0;
        if (vectorized > 0)
        {
            s = Vector512.IsHardwareAccelerated ? Dot512(ref px, ref py, n) : Dot256(ref px, ref py, n);
        }

        for (int i = vectorized; i < n; i++)
        {
            s = MathF.FusedMultiplyAdd(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i), s);
        }

        return s;
    }

    /// <summary>Σ x² in the fixed order (<see cref="Dot"/> of x with itself).</summary>
    public static float SumOfSquares(ReadOnlySpan<float> x) => Dot(x, x);

    /// <summary>
    /// The 512-bit form of <see cref="Sum"/> over the first 16·⌊n/16⌋ of the n elements at <paramref name="px"/>,
    /// folded (the caller adds the rest).
    /// </summary>
    internal static float Sum512(ref float px, int n)
    {
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        nuint i = 0, blocks = (nuint)(n / Block * Block), groups = (nuint)(n / Group * Group);
        for (; i < blocks; i += Block)
        {
            a0 += Vector512.LoadUnsafe(ref px, i);
            a1 += Vector512.LoadUnsafe(ref px, i + 16);
            a2 += Vector512.LoadUnsafe(ref px, i + 32);
            a3 += Vector512.LoadUnsafe(ref px, i + 48);
        }

        for (; i < groups; i += Group)
        {
            a0 += Vector512.LoadUnsafe(ref px, i);
        }

        return Fold((a0 + a2) + (a1 + a3));
    }

    /// <summary>The 256-bit form of <see cref="Sum512"/>.</summary>
    internal static float Sum256(ref float px, int n)
    {
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        nuint i = 0, blocks = (nuint)(n / Block * Block), groups = (nuint)(n / Group * Group);
        for (; i < blocks; i += Block)
        {
            a0 += Vector256.LoadUnsafe(ref px, i);
            a1 += Vector256.LoadUnsafe(ref px, i + 8);
            a2 += Vector256.LoadUnsafe(ref px, i + 16);
            a3 += Vector256.LoadUnsafe(ref px, i + 24);
            a4 += Vector256.LoadUnsafe(ref px, i + 32);
            a5 += Vector256.LoadUnsafe(ref px, i + 40);
            a6 += Vector256.LoadUnsafe(ref px, i + 48);
            a7 += Vector256.LoadUnsafe(ref px, i + 56);
        }

        for (; i < groups; i += Group)
        {
            a0 += Vector256.LoadUnsafe(ref px, i);
            a1 += Vector256.LoadUnsafe(ref px, i + 8);
        }

        return Fold((a0 + a4) + (a2 + a6), (a1 + a5) + (a3 + a7));
    }

    /// <summary>The 512-bit form of <see cref="Dot"/> over the first 16·⌊n/16⌋ elements, folded.</summary>
    internal static float Dot512(ref float px, ref float py, int n)
    {
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        nuint i = 0, blocks = (nuint)(n / Block * Block), groups = (nuint)(n / Group * Group);
        for (; i < blocks; i += Block)
        {
            a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref px, i), Vector512.LoadUnsafe(ref py, i), a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref px, i + 16), Vector512.LoadUnsafe(ref py, i + 16), a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref px, i + 32), Vector512.LoadUnsafe(ref py, i + 32), a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref px, i + 48), Vector512.LoadUnsafe(ref py, i + 48), a3);
        }

        for (; i < groups; i += Group)
        {
            a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref px, i), Vector512.LoadUnsafe(ref py, i), a0);
        }

        return Fold((a0 + a2) + (a1 + a3));
    }

    /// <summary>The 256-bit form of <see cref="Dot512"/>.</summary>
    internal static float Dot256(ref float px, ref float py, int n)
    {
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        nuint i = 0, blocks = (nuint)(n / Block * Block), groups = (nuint)(n / Group * Group);
        for (; i < blocks; i += Block)
        {
            a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, i), Vector256.LoadUnsafe(ref py, i), a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, i + 8), Vector256.LoadUnsafe(ref py, i + 8), a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, i + 16), Vector256.LoadUnsafe(ref py, i + 16), a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, i + 24), Vector256.LoadUnsafe(ref py, i + 24), a3);
            a4 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, i + 32), Vector256.LoadUnsafe(ref py, i + 32), a4);
            a5 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, i + 40), Vector256.LoadUnsafe(ref py, i + 40), a5);
            a6 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, i + 48), Vector256.LoadUnsafe(ref py, i + 48), a6);
            a7 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, i + 56), Vector256.LoadUnsafe(ref py, i + 56), a7);
        }

        for (; i < groups; i += Group)
        {
            a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, i), Vector256.LoadUnsafe(ref py, i), a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, i + 8), Vector256.LoadUnsafe(ref py, i + 8), a1);
        }

        return Fold((a0 + a4) + (a2 + a6), (a1 + a5) + (a3 + a7));
    }

    /// <summary>Folds 16 partials (lane j already (p[j] + p[j+32]) + (p[j+16] + p[j+48])): + [j+8], then the 8-lane fold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fold(Vector512<float> q) => Fold(q.GetLower() + q.GetUpper());

    /// <summary>Folds 16 partials held as lanes 0–7 and 8–15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fold(Vector256<float> lo, Vector256<float> hi) => Fold(lo + hi);

    /// <summary>Folds 8 partials: r[j] + r[j+4], then + [j+2], then + [j+1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fold(Vector256<float> r)
    {
        Vector128<float> h = r.GetLower() + r.GetUpper();
        float h0 = h.GetElement(0) + h.GetElement(2), h1 = h.GetElement(1) + h.GetElement(3);
        return h0 + h1;
    }
}
