using System.Globalization;
using MtlSharp.Tensors;

namespace MtlSharp.Data.Tabular;

/// <summary>Deterministic random train/validation/test splits of table rows.</summary>
public static class TabularSplit
{
    /// <summary>
    /// Shuffles 0..<paramref name="rows"/>−1 with a generator seeded by <paramref name="seed"/> (equal seeds give equal
    /// splits on every platform); the first <c>round(rows · testFraction)</c> shuffled rows are the test split, the next
    /// <c>round(rows · validFraction)</c> the validation split and the rest the training split (rounding half away from
    /// zero). Each returned array is sorted ascending. Fractions must lie in [0, 1) and sum to less than 1, and the
    /// training split must not be empty.
    /// </summary>
    public static (int[] Train, int[] Valid, int[] Test) ByFraction(int rows, double validFraction, double testFraction, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        CheckFraction(validFraction, nameof(validFraction));
        CheckFraction(testFraction, nameof(testFraction));
        if (!(validFraction + testFraction < 1))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The validation and test fractions must sum to less than 1 (got {validFraction} + {testFraction})."),
                nameof(testFraction));
        }

        int nTest = (int)Math.Round(rows * testFraction, MidpointRounding.AwayFromZero);
        int nValid = (int)Math.Round(rows * validFraction, MidpointRounding.AwayFromZero);
        if (nTest + nValid >= rows)
        {
            throw new ArgumentException(
                $"Splitting {rows} rows into {nTest} test and {nValid} validation rows leaves no training rows.", nameof(rows));
        }

        int[] order = new Rng(seed).Permutation(rows);
        int[] test = order[..nTest];
        int[] valid = order[nTest..(nTest + nValid)];
        int[] train = order[(nTest + nValid)..];
        Array.Sort(test);
        Array.Sort(valid);
        Array.Sort(train);
        return (train, valid, test);
    }

    private static void CheckFraction(double f, string name)
    {
        if (!(f >= 0 && f < 1))
        {
            throw new ArgumentOutOfRangeException(name, f, "A split fraction must lie in [0, 1).");
        }
    }
}
