using System.Diagnostics;
using System.Globalization;

namespace MtlSharp.Cli.Tests;

/// <summary>
/// A folder on a tmpfs of a few kilobytes, so writes into it fail with a real "No space left on device". Needs Linux
/// and the right to mount (root, as CI runs); <see cref="Available"/> says whether this machine allows it.
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    private SmallDisk(string path) => Path = path;

    /// <summary>Why no small disk can be made here (null: it can).</summary>
    public static string? WhyUnavailable => Unavailable.Value;

    /// <summary>The mounted folder.</summary>
    public string Path { get; }

    /// <summary>Mounts a fresh tmpfs of <paramref name="kilobytes"/> KiB at a new folder under <paramref name="parent"/>.</summary>
    public static SmallDisk Mount(string parent, int kilobytes)
    {
        string path = System.IO.Path.Combine(parent, "disk");
        Directory.CreateDirectory(path);
        var (code, output) = Tool("mount", "-t", "tmpfs", "-o", Size(kilobytes), "tmpfs", path);
        Assert.True(code == 0, $"mount failed: {output}");
        return new SmallDisk(path);
    }

    /// <summary>Makes the disk larger (its files stay).</summary>
    public void Grow(int kilobytes)
    {
        var (code, output) = Tool("mount", "-o", "remount," + Size(kilobytes), Path);
        Assert.True(code == 0, $"remount failed: {output}");
    }

    public void Dispose() => Tool("umount", Path);

    private static string Size(int kilobytes) => "size=" + kilobytes.ToString(CultureInfo.InvariantCulture) + "k";

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux (tmpfs)";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "needs root to mount a tmpfs";
        }

        string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mtl-tmpfs-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var (code, output) = Tool("mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", dir);
            if (code != 0)
            {
                return $"cannot mount a tmpfs here ({output.Trim()})";
            }

            Tool("umount", dir);
            return null;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"cannot run mount ({e.Message})";
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    private static (int Code, string Output) Tool(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }
}
