namespace MtlSharp.MultiTask.Tests.Reporting;

/// <summary>
/// A fact that needs Linux's <c>/dev/full</c> (every write fails with ENOSPC); reported as skipped, with the reason,
/// where it does not exist.
/// </summary>
public sealed class DevFullFactAttribute : FactAttribute
{
    /// <summary>The device that fails every write as a full disk.</summary>
    public const string DevFull = "/dev/full";

    public DevFullFactAttribute()
    {
        if (!File.Exists(DevFull))
            Skip = $"{DevFull} not found; a real disk-full write failure is not checked here (the simulated one is).";
    }
}
