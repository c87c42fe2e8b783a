using MtlSharp.MultiTask.Analysis.Grouping;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>How <see cref="GroupingRunner"/> chooses task groups.</summary>
public sealed record GroupingOptions
{
    /// <summary>Where the group scores come from.</summary>
    public GroupingMethod Method { get; init; } = GroupingMethod.Standley;

    /// <summary>At most this many networks.</summary>
    public required int Budget { get; init; }

    /// <summary>The seed of every run.</summary>
    public int Seed { get; init; }

    /// <summary>Multiplies every run's length.</summary>
    public double Scale { get; init; } = 1.0;

    /// <summary>Standley: train every group of up to this many tasks (2: singles and pairs); larger groups are estimated from pairs.</summary>
    public int MaxOrder { get; init; } = 2;

    /// <summary>TAG: measure the lookahead affinity every this many updates.</summary>
    public long AffinityEvery { get; init; } = 5;

    /// <summary>Transfer: the share of each target task's training examples its head is trained on (default 0.1).</summary>
    public double TransferFraction { get; init; } = 0.1;

    /// <summary>Train the chosen networks and the all-in-one and all-separate references, and measure them.</summary>
    public bool Train { get; init; }

    /// <summary>A folder for every run's report (one subfolder per network); null writes nothing.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Told about each run as it starts.</summary>
    public Action<string>? Log { get; init; }
}
