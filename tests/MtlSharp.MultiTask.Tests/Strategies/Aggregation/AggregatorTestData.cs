using System.Text.Json;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Strategies.Aggregation;

/// <summary>Matrices, fixture cases and helpers shared by the aggregator tests.</summary>
internal static class AggregatorTestData
{
    public static readonly Lazy<JsonElement[]> Cases = new(() =>
        Fixtures.Load("aggregators/aggregators.json").GetProperty("cases").EnumerateArray().ToArray());

    public static GradientMatrix Matrix(float[][] rows)
    {
        var m = new GradientMatrix(rows.Length, rows[0].Length);
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i].CopyTo(m.Row(i));
        }

        return m;
    }

    public static GradientMatrix Matrix(JsonElement tensor)
    {
        int[] shape = Fixtures.Ints(tensor.GetProperty("shape"));
        float[] data = Fixtures.Floats(tensor.GetProperty("data"));
        var m = new GradientMatrix(shape[0], shape[1]);
        for (int i = 0; i < shape[0]; i++)
        {
            data.AsSpan(i * shape[1], shape[1]).CopyTo(m.Row(i));
        }

        return m;
    }

    public static GradientMatrix Random(Rng rng, int t, int p)
    {
        var m = new GradientMatrix(t, p);
        for (int i = 0; i < t; i++)
        {
            rng.FillNormal(m.Row(i), 0, 1);
        }

        return m;
    }

    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++)
        {
            s += (double)a[k] * b[k];
        }

        return s;
    }

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    public static float[] Run(IGradientAggregator aggregator, GradientMatrix m, out double[] weights)
    {
        var d = new float[m.Columns];
        weights = aggregator.Aggregate(m, Enumerable.Range(0, m.Rows).ToArray(), new float[m.Rows], d);
        return d;
    }

    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.True(Math.Abs(expected[k] - actual[k]) <= tolerance, $"{what}[{k}]: expected {expected[k]}, got {actual[k]}");
        }
    }

    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.True(Math.Abs(expected[k] - actual[k]) <= tolerance, $"{what}[{k}]: expected {expected[k]}, got {actual[k]}");
        }
    }
}
