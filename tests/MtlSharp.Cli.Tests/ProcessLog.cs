using System.Text;

namespace MtlSharp.Cli.Tests;

/// <summary>
/// A child process's output, appended by the process's reader threads while a test reads it: every access takes the
/// lock (a bare StringBuilder read during an append throws or tears).
/// </summary>
public sealed class ProcessLog
{
    private readonly StringBuilder _text = new();

    /// <summary>Appends one line.</summary>
    public void AppendLine(string line)
    {
        lock (_text)
        {
            _text.AppendLine(line);
        }
    }

    /// <summary>Everything so far.</summary>
    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }
}
