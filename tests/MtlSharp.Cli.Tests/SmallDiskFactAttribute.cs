namespace MtlSharp.Cli.Tests;

/// <summary>A fact that needs a <see cref="SmallDisk"/>; skipped, saying why, where none can be mounted.</summary>
public sealed class SmallDiskFactAttribute : FactAttribute
{
    public SmallDiskFactAttribute()
    {
        if (SmallDisk.WhyUnavailable is { } why)
        {
            Skip = $"Disk-full test skipped: {why}.";
        }
    }
}
