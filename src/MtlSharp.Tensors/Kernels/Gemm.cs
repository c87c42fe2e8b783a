namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Single-precision general matrix multiply on row-major contiguous buffers:
/// C[m×n] (+)= op(A)[m×k] · op(B)[k×n], where op(A) = A (stored m×k) or Aᵀ (A stored k×m), likewise B.
/// </summary>
public static class Gemm
{
    /// <summary>
    /// Computes C = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>.
    /// </summary>
    /// <param name="a">A, stored [m, k] or, when <paramref name="transA"/>, [k, m].</param>
    /// <param name="transA">Whether A is stored transposed.</param>
    /// <param name="b">B, stored [k, n] or, when <paramref name="transB"/>, [n, k].</param>
    /// <param name="transB">Whether B is stored transposed.</param>
    /// <param name="c">C, [m, n].</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">The inner dimension.</param>
    /// <param name="accumulate">Add into C instead of overwriting it.</param>
    public static void Multiply(
        ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c,
        int m, int n, int k, bool accumulate)
    {
        if (a.Length < m * k || b.Length < k * n || c.Length < m * n)
        {
            throw new ArgumentException($"Gemm: buffers too small for m={m}, n={n}, k={k} (A {a.Length}, B {b.Length}, C {c.Length}).");
        }

        // Reference implementation; the optimized kernel replaces this body.
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float s = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[(p * m) + i] : a[(i * k) + p];
                    float bv = transB ? b[(j * k) + p] : b[(p * n) + j];
                    s += av * bv;
                }

                c[(i * n) + j] = accumulate ? c[(i * n) + j] + s : s;
            }
        }
    }
}
