using System.CommandLine;

namespace MtlSharp.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Option<string> Data() => new("--data") { Description = "Data directory (holds mnist/, ud-english-ewt/ …); fetch with 'mtl download'.", DefaultValueFactory = _ => "data" };

    public static Option<int?> Threads() => new("--threads") { Description = "Engine threads (default: all cores)." };

    public static Option<string> Combine() => new("--combine") { Description = "Combine active components by 'mean' (paper) or 'sum'.", DefaultValueFactory = _ => "mean" };

    public static Option<double> Scale() => new("--scale") { Description = "Multiply the preset's schedule length (1 = the paper's; e.g. 0.05 for a quick run).", DefaultValueFactory = _ => 1.0 };

    public static Option<double> Rho() => new("--rho") { Description = "Relatedness of the synthetic-transfer tasks.", DefaultValueFactory = _ => 1.0 };

    public static Option<float> Budget() => new("--budget") { Description = "Budget b for gumbel-budget.", DefaultValueFactory = _ => 0.75f };

    public static Option<int> MaxEpochs() => new("--max-epochs") { Description = "Tagging presets: maximum epochs (early stopping on main-task dev accuracy, patience 2).", DefaultValueFactory = _ => 30 };

    public static void ApplyThreads(int? threads)
    {
        if (threads is { } t)
        {
            if (t < 1)
            {
                throw new UsageException($"--threads must be at least 1, got {t}");
            }

            MtlSharp.Tensors.Threading.ThreadCount = t;
        }
    }
}
