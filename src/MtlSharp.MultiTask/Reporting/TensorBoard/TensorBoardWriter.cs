using System.Globalization;
using System.Net;

namespace MtlSharp.MultiTask.Reporting.TensorBoard;

/// <summary>
/// Writes scalars to a TensorBoard event file (the <c>tfevents</c> format) so that <c>tensorboard --logdir runs</c>
/// plots them while or after MtlSharp trains.
/// </summary>
/// <remarks>
/// <para>
/// The file is a sequence of TFRecord-framed, protocol-buffers-encoded <c>Event</c> messages; the first one carries
/// <c>file_version = "brain.Event:2"</c>, as TensorFlow's and PyTorch's summary writers write it. Records are built
/// whole in memory, appended through a buffer and reach the operating system on <see cref="Flush"/> and
/// <see cref="Dispose"/> (or when the buffer fills). Nothing written is ever rewritten, so a failure can at worst
/// leave a truncated last record, which TensorBoard's reader skips; earlier records stay intact.
/// </para>
/// <para>
/// Tags: TensorBoard groups scalar charts into sections by the part of the tag before the first <c>'/'</c>, so
/// <c>loss/pos</c> and <c>loss/ner</c> appear together under <c>loss</c>. Any Unicode text is allowed (it is stored as
/// UTF-8).
/// </para>
/// <para>
/// Thread-safe: calls are serialised. Any failure to create or write the file is reported as an
/// <see cref="IOException"/> naming the file; after a write failure the writer refuses further events.
/// </para>
/// </remarks>
public sealed class TensorBoardWriter : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private static int s_fileCounter = -1;

    private readonly Func<double> _clock;
    private readonly object _gate = new();
    private Stream? _stream;
    private bool _faulted;

    /// <summary>
    /// Creates <paramref name="logDirectory"/> if needed and a new event file in it, named
    /// <c>events.out.tfevents.{unix seconds, 10 digits}.{host name}.{process id}.{counter}</c> (the counter, per
    /// process, keeps names unique when several writers open in the same second), and writes and flushes the
    /// file-version event.
    /// </summary>
    /// <param name="logDirectory">The run's folder, e.g. <c>runs/sluice-seed1</c>; TensorBoard shows one run per folder.</param>
    /// <exception cref="IOException">The folder or the file cannot be created.</exception>
    public TensorBoardWriter(string logDirectory)
        : this(logDirectory, UnixNow)
    {
    }

    /// <summary>As the public constructor, with <paramref name="clock"/> (unix seconds) for the name and wall times.</summary>
    internal TensorBoardWriter(string logDirectory, Func<double> clock)
    {
        ArgumentException.ThrowIfNullOrEmpty(logDirectory);
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        double now = clock();
        string directory = Path.GetFullPath(logDirectory);
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot create the TensorBoard log folder '{directory}': {ex.Message}", ex);
        }

        string prefix = string.Create(CultureInfo.InvariantCulture,
            $"events.out.tfevents.{(long)Math.Floor(now):D10}.{HostName()}.{Environment.ProcessId}.");
        FilePath = string.Empty;
        for (int attempt = 0; _stream is null; attempt++)
        {
            FilePath = Path.Combine(directory, prefix + Interlocked.Increment(ref s_fileCounter).ToString(CultureInfo.InvariantCulture));
            try
            {
                _stream = new FileStream(FilePath, FileMode.CreateNew, FileAccess.Write, FileShare.Read, BufferSize);
            }
            catch (IOException) when (attempt < 100 && File.Exists(FilePath))
            {
                // Another writer took that name (e.g. another process with a recycled id); try the next counter.
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"Cannot create the TensorBoard event file '{FilePath}': {ex.Message}", ex);
            }
        }

        WriteFirstEvent(now);
    }

    /// <summary>Writes to <paramref name="stream"/> as if it were the file at <paramref name="filePath"/> (for tests).</summary>
    internal TensorBoardWriter(Stream stream, string filePath, Func<double> clock)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(filePath);
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        _stream = stream;
        FilePath = filePath;
        WriteFirstEvent(clock());
    }

    /// <summary>The full path of the event file.</summary>
    public string FilePath { get; }

    /// <summary>
    /// Appends one event holding one scalar: <c>Event { wall_time, step, summary { value { tag, simple_value } } }</c>.
    /// </summary>
    /// <param name="tag">The chart's name; the part before the first <c>'/'</c> names its section in TensorBoard.</param>
    /// <param name="step">The x coordinate (usually the update count).</param>
    /// <param name="value">The y coordinate (NaN and infinities are stored as they are).</param>
    /// <param name="wallTime">Seconds since the unix epoch; the current time when null.</param>
    /// <exception cref="IOException">The write failed, now or earlier.</exception>
    public void AddScalar(string tag, long step, float value, double? wallTime = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        ReadOnlySpan<(string, float)> one = [(tag, value)];
        Append(EventEncoder.ScalarsEvent(wallTime ?? _clock(), step, one));
    }

    /// <summary>
    /// Appends one event holding several scalars at the same step and time (one <c>Summary.Value</c> each, in order).
    /// An empty list writes nothing.
    /// </summary>
    /// <param name="step">The x coordinate shared by the values.</param>
    /// <param name="values">The tags (see <see cref="AddScalar"/>) and values.</param>
    /// <param name="wallTime">Seconds since the unix epoch; the current time when null.</param>
    /// <exception cref="IOException">The write failed, now or earlier.</exception>
    public void AddScalars(long step, IReadOnlyList<(string Tag, float Value)> values, double? wallTime = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return;
        }

        var copy = new (string Tag, float Value)[values.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = values[i];
            if (string.IsNullOrEmpty(copy[i].Tag))
            {
                throw new ArgumentException($"values[{i}] has no tag.", nameof(values));
            }
        }

        Append(EventEncoder.ScalarsEvent(wallTime ?? _clock(), step, copy));
    }

    /// <summary>Hands everything written so far to the operating system (it does not force it onto the disk).</summary>
    /// <exception cref="IOException">The write failed, now or earlier.</exception>
    public void Flush()
    {
        lock (_gate)
        {
            Stream stream = Usable();
            try
            {
                stream.Flush();
            }
            catch (IOException ex)
            {
                throw Fault(ex);
            }
        }
    }

    /// <summary>Flushes and closes the file. Further calls do nothing.</summary>
    /// <exception cref="IOException">The final flush failed (not thrown again if an earlier failure was reported).</exception>
    public void Dispose()
    {
        lock (_gate)
        {
            Stream? stream = _stream;
            if (stream is null)
            {
                return;
            }

            _stream = null;
            if (_faulted)
            {
                try
                {
                    stream.Dispose();
                }
                catch (IOException)
                {
                    // Already reported by the call that failed; the buffered rest cannot be written either.
                }

                return;
            }

            try
            {
                stream.Flush();
            }
            catch (IOException ex)
            {
                _faulted = true;
                DisposeQuietly(stream);
                throw Wrap(ex);
            }

            stream.Dispose();
        }
    }

    private void WriteFirstEvent(double wallTime)
    {
        try
        {
            Append(EventEncoder.FileVersionEvent(wallTime));
            Flush(); // as TensorBoard's own writer does: the file is recognisable at once
        }
        catch
        {
            if (_stream is { } stream)
            {
                _stream = null;
                DisposeQuietly(stream);
            }

            throw;
        }
    }

    private void Append(byte[] eventBytes)
    {
        byte[] record = TfRecord.Frame(eventBytes);
        lock (_gate)
        {
            Stream stream = Usable();
            try
            {
                stream.Write(record); // one call per whole record
            }
            catch (IOException ex)
            {
                throw Fault(ex);
            }
        }
    }

    private Stream Usable()
    {
        ObjectDisposedException.ThrowIf(_stream is null, this);
        if (_faulted)
        {
            throw new IOException($"A previous write to the TensorBoard event file '{FilePath}' failed; no further events are written.");
        }

        return _stream;
    }

    private IOException Fault(IOException ex)
    {
        _faulted = true;
        return Wrap(ex);
    }

    private IOException Wrap(IOException ex) =>
        new($"Cannot write the TensorBoard event file '{FilePath}': {ex.Message}", ex);

    private static void DisposeQuietly(Stream stream)
    {
        try
        {
            stream.Dispose();
        }
        catch (IOException)
        {
            // The failure that matters was already reported.
        }
    }

    private static double UnixNow() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;

    private static string HostName()
    {
        string name;
        try
        {
            name = Dns.GetHostName();
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or InvalidOperationException)
        {
            name = Environment.MachineName;
        }

        char[] invalid = Path.GetInvalidFileNameChars();
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (Array.IndexOf(invalid, chars[i]) >= 0)
            {
                chars[i] = '_';
            }
        }

        return chars.Length == 0 ? "localhost" : new string(chars);
    }
}
