using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Sampling;

/// <summary>Creates the sampler of a <see cref="SamplerKind"/> for a run's data.</summary>
public static class Samplers
{
    /// <summary>
    /// The sampler; <paramref name="rng"/> is its own stream (drawn by every kind, used by those that sample, so the
    /// choice of sampler does not shift the run's other streams).
    /// </summary>
    public static ITaskSampler Create(SamplerKind kind, ITrainingData data, Rng rng, double temperature = 2.0, StrategyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        int tasks = data.Tasks.Count;
        int[] sizes = Enumerable.Range(0, tasks).Select(data.TrainCount).ToArray();
        var o = options ?? StrategyOptions.None;
        var sampler = Create(kind, data, rng, temperature, o, tasks, sizes);
        o.CheckAllRead(sampler.Name);
        return sampler;
    }

    private static ITaskSampler Create(SamplerKind kind, ITrainingData data, Rng rng, double temperature, StrategyOptions o, int tasks, int[] sizes)
    {
        return kind switch
        {
            SamplerKind.Adaptive => new AdaptiveSampler(tasks, rng, o.Get("tau", AdaptiveSampler.DefaultTau),
                data.Tasks.Select(t => o.Get("target." + t.Name, double.NaN)).Select(v => double.IsNaN(v) ? (double?)null : v).ToArray()),
            SamplerKind.Rounds => new RoundSampler(tasks, rng),
            SamplerKind.All => new AllTasksSampler(tasks),
            SamplerKind.Uniform => new ProbabilitySampler(sizes, TaskProbability.Uniform, rng),
            SamplerKind.Proportional => new ProbabilitySampler(sizes, TaskProbability.Proportional, rng),
            SamplerKind.Temperature => new ProbabilitySampler(sizes, TaskProbability.Temperature, rng, temperature),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown sampler."),
        };
    }
}
