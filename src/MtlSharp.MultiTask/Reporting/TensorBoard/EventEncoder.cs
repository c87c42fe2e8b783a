namespace MtlSharp.MultiTask.Reporting.TensorBoard;

/// <summary>
/// Encodes the TensorBoard <c>Event</c> messages that <see cref="TensorBoardWriter"/> writes, by hand, in the
/// protocol-buffers wire format (proto3 rules: fields in field-number order, a scalar field at its default value
/// omitted, a oneof member always written).
/// </summary>
/// <remarks>
/// Field numbers, from the published definitions (tensorflow/tensorboard, <c>tensorboard/compat/proto/event.proto</c>
/// and <c>tensorboard/compat/proto/summary.proto</c>, copies of tensorflow's
/// <c>tensorflow/core/util/event.proto</c> and <c>tensorflow/core/framework/summary.proto</c>):
/// <code>
/// message Event   { double wall_time = 1; int64 step = 2;
///                   oneof what { string file_version = 3; ... Summary summary = 5; ... } ... }
/// message Summary { message Value { string tag = 1; ... oneof value { float simple_value = 2; ... } }
///                   repeated Value value = 1; }
/// </code>
/// Copies of those files are kept under <c>tests/fixtures/tensorboard/proto/</c>, where the tests generate the
/// independent reader from them.
/// </remarks>
internal static class EventEncoder
{
    /// <summary><c>Event.wall_time</c> (double).</summary>
    public const int EventWallTime = 1;

    /// <summary><c>Event.step</c> (int64).</summary>
    public const int EventStep = 2;

    /// <summary><c>Event.file_version</c> (string, oneof <c>what</c>).</summary>
    public const int EventFileVersion = 3;

    /// <summary><c>Event.summary</c> (Summary, oneof <c>what</c>).</summary>
    public const int EventSummary = 5;

    /// <summary><c>Summary.value</c> (repeated Summary.Value).</summary>
    public const int SummaryValue = 1;

    /// <summary><c>Summary.Value.tag</c> (string).</summary>
    public const int ValueTag = 1;

    /// <summary><c>Summary.Value.simple_value</c> (float, oneof <c>value</c>).</summary>
    public const int ValueSimpleValue = 2;

    /// <summary>The file version TensorFlow's and PyTorch's summary writers put in a file's first event.</summary>
    public const string FileVersion = "brain.Event:2";

    /// <summary>The first event of a file: <c>Event { wall_time, file_version }</c>.</summary>
    public static byte[] FileVersionEvent(double wallTime, string fileVersion = FileVersion)
    {
        var w = new ProtoWriter(32);
        WriteHeader(w, wallTime, step: 0);
        w.WriteString(EventFileVersion, fileVersion);
        return w.ToArray();
    }

    /// <summary>
    /// <c>Event { wall_time, step, summary { value { tag, simple_value } ... } }</c>: one <c>Summary.Value</c> per
    /// entry of <paramref name="values"/>, in order.
    /// </summary>
    public static byte[] ScalarsEvent(double wallTime, long step, ReadOnlySpan<(string Tag, float Value)> values)
    {
        var value = new ProtoWriter();
        var summary = new ProtoWriter();
        foreach (var (tag, simpleValue) in values)
        {
            value.Clear();
            if (tag.Length != 0)
            {
                value.WriteString(ValueTag, tag);
            }

            value.WriteFloat(ValueSimpleValue, simpleValue); // a oneof member: written even when 0
            summary.WriteBytes(SummaryValue, value.Written);
        }

        var w = new ProtoWriter(summary.Length + 24);
        WriteHeader(w, wallTime, step);
        w.WriteBytes(EventSummary, summary.Written); // a oneof member: written even when empty
        return w.ToArray();
    }

    private static void WriteHeader(ProtoWriter w, double wallTime, long step)
    {
        if (wallTime != 0d)
        {
            w.WriteDouble(EventWallTime, wallTime);
        }

        if (step != 0)
        {
            w.WriteInt64(EventStep, step);
        }
    }
}
