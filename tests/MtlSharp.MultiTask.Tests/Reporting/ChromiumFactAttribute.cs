namespace MtlSharp.MultiTask.Tests.Reporting;

/// <summary>
/// A fact that needs headless Chromium at <see cref="ChromiumPath"/>. Decided at discovery: when Chromium exists
/// the test runs; when it is missing and the environment variable <c>CI</c> is <c>true</c> the test still runs
/// (and fails with a clear message, since CI installs Chromium); otherwise it is reported as skipped with the reason,
/// never silently passed.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Where the renderer test looks for Chromium.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ChromiumPath) && !IsCi)
            Skip = $"Chromium not found at {ChromiumPath}; HTML report rendering not checked (set CI=true to make this a failure).";
    }

    /// <summary>Whether the CI environment variable is "true".</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}
