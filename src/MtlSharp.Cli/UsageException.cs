namespace MtlSharp.Cli;

/// <summary>A command-line mistake: printed without a stack trace, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
