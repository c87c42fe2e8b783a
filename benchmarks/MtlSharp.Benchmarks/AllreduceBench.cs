using System.Diagnostics;
using System.Globalization;
using MtlSharp.Distributed;

namespace MtlSharp.Benchmarks;

/// <summary>
/// <c>mpirun -np 2 dotnet benchmarks/…/MtlSharp.Benchmarks.dll mpi-allreduce [--max-mb 64]</c>: latency and bandwidth of
/// the gradient sum (<see cref="MpiGradientReducer"/>, both orders) against the message size, on whatever network the
/// job spans (one machine: shared memory). Rank 0 prints one line per size: median time of a sum, algorithm bandwidth
/// (bytes / time) and bus bandwidth (2(N−1)/N · bytes / time, the traffic a ring all-reduce moves per process).
/// </summary>
internal static class AllreduceBench
{
    public static int Run(string[] args)
    {
        if (!MpiLaunch.IsLaunched)
        {
            Console.Error.WriteLine("mpi-allreduce runs under mpirun: mpirun -np 2 dotnet MtlSharp.Benchmarks.dll mpi-allreduce");
            return 2;
        }

        double maxMb = 64;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--max-mb")
            {
                maxMb = double.Parse(args[++i], CultureInfo.InvariantCulture);
            }
        }

        using var session = MpiSession.Start();
        var ci = CultureInfo.InvariantCulture;
        if (session.IsRoot)
        {
            Console.WriteLine($"processes {session.Size}; thread level {session.ThreadLevel}");
            Console.WriteLine("order       bytes        median_us   algbw_MB/s   busbw_MB/s");
        }

        foreach (var order in new[] { ReductionOrder.AllReduce, ReductionOrder.RankOrder })
        {
            var reducer = new MpiGradientReducer(session, order);
            for (long floats = 1; floats * 4 <= maxMb * 1024 * 1024; floats *= 4)
            {
                var buffer = new float[floats];
                buffer.AsSpan().Fill(1f);
                int reps = (int)Math.Clamp(2_000_000 / floats, 5, 2000);
                for (int w = 0; w < Math.Min(reps, 20); w++)
                {
                    reducer.Sum(buffer);
                }

                var times = new double[reps];
                session.Barrier("benchmark start");
                for (int r = 0; r < reps; r++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    reducer.Sum(buffer);
                    times[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                }

                // Every process's median, then the slowest (a collective is as fast as its slowest member).
                Array.Sort(times);
                var med = new double[] { times[reps / 2] };
                var all = new byte[8 * session.Size];
                session.Allgather(BitConverter.GetBytes(med[0]), all, "benchmark results");
                double t = Enumerable.Range(0, session.Size).Max(r => BitConverter.ToDouble(all, 8 * r));
                if (session.IsRoot)
                {
                    double bytes = floats * 4.0;
                    double alg = bytes / t / 1e6;
                    double bus = alg * 2 * (session.Size - 1) / session.Size;
                    Console.WriteLine(string.Create(ci, $"{(order == ReductionOrder.AllReduce ? "allreduce" : "rank-order"),-11} {bytes,-12:F0} {t * 1e6,-11:F1} {alg,-12:F1} {bus:F1}"));
                }
            }
        }

        return 0;
    }
}
