namespace MtlSharp.MultiTask.Reporting.Svg;

/// <summary>Downsampling and smoothing of (x, y) series for plotting.</summary>
internal static class SeriesMath
{
    /// <summary>
    /// Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013) to at most <paramref name="target"/> points;
    /// keeps the first and last point and the visual extremes. Non-finite y values are kept where they fall (they
    /// break the line), so gaps survive downsampling. Returns the input arrays when already short enough.
    /// </summary>
    public static (double[] X, double[] Y) Downsample(double[] x, double[] y, int target)
    {
        int n = Math.Min(x.Length, y.Length);
        if (n <= target || target < 3) return (x[..n], y[..n]);
        var ox = new double[target];
        var oy = new double[target];
        ox[0] = x[0];
        oy[0] = y[0];
        int a = 0, o = 1;
        double every = (double)(n - 2) / (target - 2);
        for (int i = 0; i < target - 2; i++)
        {
            int start = (int)Math.Floor(i * every) + 1;
            int end = Math.Min((int)Math.Floor((i + 1) * every) + 1, n - 1);
            int nStart = end, nEnd = Math.Min((int)Math.Floor((i + 2) * every) + 1, n);
            double avgX = 0, avgY = 0;
            int cnt = 0;
            for (int j = nStart; j < nEnd; j++)
            {
                if (!double.IsFinite(y[j])) continue;
                avgX += x[j];
                avgY += y[j];
                cnt++;
            }
            if (cnt > 0) { avgX /= cnt; avgY /= cnt; } else { avgX = x[Math.Min(nStart, n - 1)]; avgY = y[a]; }
            int best = start;
            double bestArea = -1;
            for (int j = start; j < end; j++)
            {
                if (!double.IsFinite(y[j])) { best = j; break; } // keep the gap visible
                double area = Math.Abs((x[a] - avgX) * (y[j] - y[a]) - (x[a] - x[j]) * (avgY - y[a]));
                if (area > bestArea) { bestArea = area; best = j; }
            }
            ox[o] = x[best];
            oy[o] = y[best];
            o++;
            a = best;
        }
        ox[o] = x[n - 1];
        oy[o] = y[n - 1];
        return (ox, oy);
    }

    /// <summary>
    /// Centred moving average over <paramref name="window"/> points (shrinking at the ends; non-finite values
    /// skipped), like the paper's "smoothed over a window of 100 steps".
    /// </summary>
    public static double[] Smooth(double[] y, int window)
    {
        int n = y.Length;
        var result = new double[n];
        if (window <= 1)
        {
            Array.Copy(y, result, n);
            return result;
        }
        int half = window / 2;
        // prefix sums over finite values
        var sum = new double[n + 1];
        var cnt = new int[n + 1];
        for (int i = 0; i < n; i++)
        {
            bool ok = double.IsFinite(y[i]);
            sum[i + 1] = sum[i] + (ok ? y[i] : 0);
            cnt[i + 1] = cnt[i] + (ok ? 1 : 0);
        }
        for (int i = 0; i < n; i++)
        {
            int lo = Math.Max(0, i - half), hi = Math.Min(n, i + half + 1);
            int c = cnt[hi] - cnt[lo];
            result[i] = c == 0 || !double.IsFinite(y[i]) ? y[i] : (sum[hi] - sum[lo]) / c;
        }
        return result;
    }

    /// <summary>Default smoothing window for a series of <paramref name="n"/> points (≈2% of it, at most 101).</summary>
    public static int DefaultWindow(int n) => n < 100 ? 1 : Math.Min(101, Math.Max(3, n / 50) | 1);
}
