using System.Text;
using System.Text.RegularExpressions;
using MtlSharp.MultiTask.Reporting.TensorBoard;
using MtlSharp.Testing;
using Tensorboard;

namespace MtlSharp.MultiTask.Tests.Reporting;

/// <summary>
/// The TensorBoard event-file writer, checked with an independent reader (<see cref="TfEventsReader"/>: CRCs from
/// System.IO.Hashing and a bitwise reference, payloads parsed by Google.Protobuf with classes generated from the
/// official protos) and byte for byte against a file written by TensorBoard's own framing code and Google's protobuf
/// serialiser (tests/fixtures/gen_tfevents.py).
/// </summary>
public sealed class TensorBoardTests : IDisposable
{
    private const double T0 = 1700000000.25;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "mtlsharp-tb-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    private TensorBoardWriter NewWriter(string run = "run", double now = T0) =>
        new(Path.Combine(_root, run), () => now);

    // ---- CRC-32C and masking ----

    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("313233343536373839", 0xE3069283u)] // "123456789": the CRC catalogue's check value
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", 0x8A9136AAu)] // RFC 3720 B.4
    [InlineData("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", 0x62A8AB43u)] // RFC 3720 B.4
    [InlineData("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", 0x46DD794Eu)] // RFC 3720 B.4
    [InlineData("1F1E1D1C1B1A191817161514131211100F0E0D0C0B0A09080706050403020100", 0x113FDB5Cu)] // RFC 3720 B.4
    public void Crc32C_MatchesPublishedVectors(string hex, uint expected)
    {
        byte[] data = Convert.FromHexString(hex);
        Assert.Equal(expected, Crc32C.Compute(data));
        Assert.Equal(expected, ReferenceCrc32C.Compute(data));
        Assert.Equal(expected, TfEventsReader.SystemCrc32C(data));
    }

    [Fact]
    public void Crc32C_MatchesIndependentImplementations_OnRandomData()
    {
        var random = new Random(12345);
        for (int length = 0; length < 300; length += 7)
        {
            var data = new byte[length];
            random.NextBytes(data);
            uint expected = TfEventsReader.SystemCrc32C(data);
            Assert.Equal(expected, ReferenceCrc32C.Compute(data));
            Assert.Equal(expected, Crc32C.Compute(data));
        }
    }

    [Fact]
    public void Mask_MatchesDefinition_AndTensorBoardsVector()
    {
        // tensorflow/tensorboard, tensorboard/data/server/masked_crc.rs: the masked CRC of the serialised
        // Event(file_version = "CRC test, one two") is 0x5794d08a.
        byte[] data = [0x1A, 0x11, .. Encoding.ASCII.GetBytes("CRC test, one two")];
        Assert.Equal(0x5794D08Au, Crc32C.ComputeMasked(data));
        Assert.Equal(0x5794D08Au, TfEventsReader.MaskedSystemCrc(data));

        var random = new Random(7);
        foreach (uint crc in new uint[] { 0, 1, 0x8A9136AA, 0xFFFFFFFF, 0x80000000 }.Concat(Enumerable.Range(0, 50).Select(_ => (uint)random.NextInt64(0, 1L << 32))))
        {
            uint expected = unchecked(((crc >> 15) | (crc << 17)) + 0xA282EAD8u);
            Assert.Equal(expected, Crc32C.Mask(crc));
            Assert.Equal(expected, ReferenceCrc32C.Mask(crc));
            Assert.Equal(crc, Crc32C.Unmask(Crc32C.Mask(crc)));
        }
    }

    [Fact]
    public void Frame_HasLengthCrcDataCrcLayout()
    {
        byte[] data = Encoding.UTF8.GetBytes("hello, tfrecord");
        byte[] record = TfRecord.Frame(data);
        Assert.Equal(12 + data.Length + 4, record.Length);
        Assert.Equal("0F00000000000000", Convert.ToHexString(record, 0, 8));
        var payloads = TfEventsReader.ReadRecords(record);
        Assert.Equal(data, Assert.Single(payloads));
    }

    // ---- Protobuf content ----

    [Fact]
    public void EventBytes_MatchTheWireFormatWrittenOutByHand()
    {
        byte[] bytes = EventEncoder.ScalarsEvent(1.5, 3, new[] { ("a", 1f) });
        string expected =
            "09" + "000000000000F83F" + // field 1 (wall_time), wire type 1 (64-bit): 1.5 as a little-endian double
            "1003" +                    // field 2 (step), wire type 0 (varint): 3
            "2A0A" +                    // field 5 (summary), wire type 2, 10 bytes:
            "0A08" +                    //   Summary field 1 (value), wire type 2, 8 bytes:
            "0A0161" +                  //     Value field 1 (tag), wire type 2: "a"
            "150000803F";               //     Value field 2 (simple_value), wire type 5 (32-bit): 1.0f
        Assert.Equal(expected, Convert.ToHexString(bytes));

        byte[] first = EventEncoder.FileVersionEvent(1.5);
        Assert.Equal("09000000000000F83F" + "1A0D" + Convert.ToHexString(Encoding.ASCII.GetBytes("brain.Event:2")),
            Convert.ToHexString(first));
    }

    [Fact]
    public void Writer_MatchesReferenceFixture_ByteForByte()
    {
        // tests/fixtures/gen_tfevents.py writes the same events with Google's protobuf serialiser and TensorBoard's
        // own record writer and CRC code.
        byte[] reference = File.ReadAllBytes(Path.Combine(Fixtures.RepoRoot, "tests", "fixtures", "tensorboard", "reference.tfevents"));
        string path;
        using (var writer = NewWriter(now: 1700000000.25))
        {
            path = writer.FilePath;
            writer.AddScalar("loss/pos", 3, 0.5f, 1700000001.5);
            writer.AddScalars(7, [("acc/ner", 0.875f), ("损失/任务 é 🎯", -1.25f)], 1700000002.75);
            writer.AddScalar("zero", 0, 0f, 1700000003.125);
            writer.AddScalar("big/step", 1234567890123, 3.0e38f, 1700000004.0625);
            writer.AddScalar("neg/step", -2, float.PositiveInfinity, 1700000005.5);
        }

        byte[] ours = File.ReadAllBytes(path);
        Assert.Equal(Convert.ToHexString(reference), Convert.ToHexString(ours));
        Assert.Equal(6, TfEventsReader.ReadRecords(reference).Select(TfEventsReader.ParseEvent).Count());
    }

    // ---- The writer ----

    [Fact]
    public void FileName_FollowsTensorBoardsPattern_AndTheFolderIsCreated()
    {
        using var writer = NewWriter(Path.Combine("nested", "deeper"), now: 1700000123.9);
        Assert.True(File.Exists(writer.FilePath));
        Assert.Equal(Path.GetFullPath(Path.Combine(_root, "nested", "deeper")), Path.GetDirectoryName(writer.FilePath));
        string name = Path.GetFileName(writer.FilePath);
        var match = Regex.Match(name, @"^events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.(\d+)$");
        Assert.True(match.Success, name);
        Assert.Equal("1700000123", match.Groups[1].Value);
        Assert.Equal(Environment.ProcessId.ToString(), match.Groups[3].Value);
        Assert.Contains("tfevents", name);

        using var early = NewWriter("early", now: 12.5);
        Assert.StartsWith("events.out.tfevents.0000000012.", Path.GetFileName(early.FilePath));
    }

    [Fact]
    public void TwoWritersInOneSecond_WriteDistinctFiles()
    {
        using var a = NewWriter();
        using var b = NewWriter();
        Assert.NotEqual(a.FilePath, b.FilePath);
        a.AddScalar("x", 1, 1f);
        b.AddScalar("x", 1, 2f);
        a.Flush();
        b.Flush();
        Assert.Equal(1f, TfEventsReader.ReadEvents(a.FilePath)[1].Summary.Value[0].SimpleValue);
        Assert.Equal(2f, TfEventsReader.ReadEvents(b.FilePath)[1].Summary.Value[0].SimpleValue);
    }

    [Fact]
    public void FirstRecord_IsTheFileVersionEvent_AndIsOnDiskAtOnce()
    {
        using var writer = NewWriter(now: 1712345678.125);
        var events = TfEventsReader.ReadEvents(writer.FilePath); // before any Flush
        var first = Assert.Single(events);
        Assert.Equal(Event.WhatOneofCase.FileVersion, first.WhatCase);
        Assert.Equal("brain.Event:2", first.FileVersion);
        Assert.Equal(1712345678.125, first.WallTime);
        Assert.Equal(0, first.Step);
    }

    [Fact]
    public void MultipleScalars_AreOneEventEach_InOrder()
    {
        using var writer = NewWriter();
        writer.AddScalar("loss/pos", 1, 2.5f, 10);
        writer.AddScalar("loss/ner", 1, 1.25f, 11);
        writer.AddScalar("loss/pos", 2, 2.0f, 12);
        writer.Dispose();

        var events = TfEventsReader.ReadEvents(writer.FilePath);
        Assert.Equal(4, events.Count);
        var scalars = events.Skip(1).Select(e =>
        {
            Assert.Equal(Event.WhatOneofCase.Summary, e.WhatCase);
            var v = Assert.Single(e.Summary.Value);
            Assert.Equal(Summary.Types.Value.ValueOneofCase.SimpleValue, v.ValueCase);
            return (e.Step, e.WallTime, v.Tag, v.SimpleValue);
        }).ToArray();
        Assert.Equal(new[] { (1L, 10.0, "loss/pos", 2.5f), (1L, 11.0, "loss/ner", 1.25f), (2L, 12.0, "loss/pos", 2.0f) }, scalars);
    }

    [Fact]
    public void AddScalars_WritesOneEvent_WithSeveralValues()
    {
        using var writer = NewWriter();
        writer.AddScalars(42, [("acc/pos", 0.9f), ("acc/ner", 0.7f), ("acc/chunk", 0f)], 99.5);
        writer.AddScalars(43, Array.Empty<(string, float)>()); // writes nothing
        writer.Dispose();
        var events = TfEventsReader.ReadEvents(writer.FilePath);
        Assert.Equal(2, events.Count);
        Assert.Equal(42, events[1].Step);
        Assert.Equal(99.5, events[1].WallTime);
        Assert.Equal(new[] { ("acc/pos", 0.9f), ("acc/ner", 0.7f), ("acc/chunk", 0f) },
            events[1].Summary.Value.Select(v => (v.Tag, v.SimpleValue)).ToArray());
        Assert.All(events[1].Summary.Value, v => Assert.Equal(Summary.Types.Value.ValueOneofCase.SimpleValue, v.ValueCase));
    }

    [Theory]
    [InlineData(0L, 0.001)]
    [InlineData(1L, 1700000000.123456)]
    [InlineData(127L, 1700000000.5)]
    [InlineData(128L, 2e9)]
    [InlineData(1234567890123L, 1.7e9 + 1.0 / 3)]
    [InlineData(long.MaxValue, 1e-300)]
    [InlineData(-1L, -5.25)]
    [InlineData(long.MinValue, 4102444800.0)]
    public void StepAndWallTime_RoundTrip(long step, double wallTime)
    {
        using var writer = NewWriter();
        writer.AddScalar("s", step, 1f, wallTime);
        writer.Flush();
        var e = TfEventsReader.ReadEvents(writer.FilePath)[1];
        Assert.Equal(step, e.Step);
        Assert.Equal(BitConverter.DoubleToInt64Bits(wallTime), BitConverter.DoubleToInt64Bits(e.WallTime));
    }

    [Fact]
    public void WallTime_DefaultsToTheClock()
    {
        double now = 1700000000.75;
        using var writer = new TensorBoardWriter(Path.Combine(_root, "clock"), () => now);
        now = 1700000001.875;
        writer.AddScalar("a", 1, 1f);
        writer.AddScalars(2, [("b", 2f)]);
        writer.Flush();
        var events = TfEventsReader.ReadEvents(writer.FilePath);
        Assert.Equal(new[] { 1700000000.75, 1700000001.875, 1700000001.875 }, events.Select(e => e.WallTime));
    }

    [Fact]
    public void PublicConstructor_UsesTheCurrentTime()
    {
        double before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        using var writer = new TensorBoardWriter(Path.Combine(_root, "now"));
        writer.AddScalar("a", 1, 1f);
        writer.Flush();
        double after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var events = TfEventsReader.ReadEvents(writer.FilePath);
        Assert.All(events, e => Assert.InRange(e.WallTime, before - 1, after + 1));
        long seconds = long.Parse(Path.GetFileName(writer.FilePath).Split('.')[3]);
        Assert.InRange(seconds, (long)before - 1, (long)after + 1);
    }

    [Fact]
    public void SpecialValues_AreStoredAsTheyAre()
    {
        using var writer = NewWriter();
        writer.AddScalars(1, [("nan", float.NaN), ("inf", float.PositiveInfinity), ("-inf", float.NegativeInfinity),
            ("-0", -0f), ("eps", float.Epsilon), ("max", float.MaxValue)]);
        writer.Flush();
        float[] values = TfEventsReader.ReadEvents(writer.FilePath)[1].Summary.Value.Select(v => v.SimpleValue).ToArray();
        Assert.True(float.IsNaN(values[0]));
        Assert.Equal(new[] { float.PositiveInfinity, float.NegativeInfinity }, values[1..3]);
        Assert.True(float.IsNegative(values[3]) && values[3] == 0f);
        Assert.Equal(new[] { float.Epsilon, float.MaxValue }, values[4..]);
    }

    [Fact]
    public void Flush_HandsBufferedRecordsToTheOs()
    {
        using var writer = NewWriter();
        long afterFirst = new FileInfo(writer.FilePath).Length;
        writer.AddScalar("a", 1, 1f);
        writer.AddScalar("a", 2, 2f);
        Assert.Equal(afterFirst, TfEventsReader.ReadAllBytesShared(writer.FilePath).Length); // still buffered
        writer.Flush();
        var events = TfEventsReader.ReadEvents(writer.FilePath);
        Assert.Equal(new long[] { 0, 1, 2 }, events.Select(e => e.Step));
        writer.AddScalar("a", 3, 3f);
        writer.Flush();
        Assert.Equal(4, TfEventsReader.ReadEvents(writer.FilePath).Count);
    }

    [Fact]
    public void UnicodeTags_RoundTrip_AsUtf8()
    {
        string[] tags = ["损失/任务", "accuracy/é-ü-ß", "emoji/🎯🚀", "Ω/λ μ", "tab\tand\"quote"];
        using var writer = NewWriter();
        for (int i = 0; i < tags.Length; i++)
            writer.AddScalar(tags[i], i, i);
        writer.Dispose();
        var events = TfEventsReader.ReadEvents(writer.FilePath);
        Assert.Equal(tags, events.Skip(1).Select(e => e.Summary.Value[0].Tag));

        // The tag's bytes are UTF-8 in the file.
        byte[] file = File.ReadAllBytes(writer.FilePath);
        byte[] utf8 = Encoding.UTF8.GetBytes("emoji/🎯🚀");
        Assert.True(file.AsSpan().IndexOf(utf8) >= 0);
    }

    [Fact]
    public void Arguments_AreChecked_AndDisposeIsIdempotent()
    {
        var writer = NewWriter();
        Assert.Throws<ArgumentException>(() => writer.AddScalar("", 1, 1f));
        Assert.Throws<ArgumentNullException>(() => writer.AddScalar(null!, 1, 1f));
        Assert.Throws<ArgumentNullException>(() => writer.AddScalars(1, null!));
        Assert.Throws<ArgumentException>(() => writer.AddScalars(1, [("ok", 1f), ("", 2f)]));
        writer.Dispose();
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => writer.AddScalar("a", 1, 1f));
        Assert.Throws<ObjectDisposedException>(() => writer.Flush());
        Assert.Single(TfEventsReader.ReadEvents(writer.FilePath)); // nothing half-written by the rejected calls
    }

    // ---- Failures ----

    [Fact]
    public void WriteFailure_ThrowsIOExceptionNamingTheFile_AndKeepsEarlierRecords()
    {
        const string path = "/logs/run/events.out.tfevents.1700000000.host.1.0";
        int firstRecord = TfRecord.Frame(EventEncoder.FileVersionEvent(T0)).Length;
        int scalarRecord = TfRecord.Frame(EventEncoder.ScalarsEvent(1, 1, new[] { ("loss", 1f) })).Length;
        var stream = new FailingStream(firstRecord + scalarRecord + 10); // room for two records and a bit
        var writer = new TensorBoardWriter(stream, path, () => T0);
        writer.AddScalar("loss", 1, 1f, 1);

        var ex = Assert.Throws<IOException>(() => writer.AddScalar("loss", 2, 2f, 2));
        Assert.Contains(path, ex.Message);
        Assert.IsType<IOException>(ex.InnerException);

        var again = Assert.Throws<IOException>(() => writer.AddScalar("loss", 3, 3f, 3)); // refused: stays faulted
        Assert.Contains(path, again.Message);
        Assert.Throws<IOException>(() => writer.Flush());
        writer.Dispose(); // the failure was reported already

        // The two whole records before the failure read back intact; what follows is a truncated record.
        byte[] kept = stream.Kept;
        Assert.Equal(firstRecord + scalarRecord + 10, kept.Length);
        var events = TfEventsReader.ReadRecords(kept.AsSpan(0, firstRecord + scalarRecord)).Select(TfEventsReader.ParseEvent).ToList();
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Equal(1, events[1].Step);
    }

    [Fact]
    public void FlushFailure_ThrowsIOExceptionNamingTheFile_FromFlushAndFromDispose()
    {
        const string path = "/logs/run/events.out.tfevents.x";
        var stream = new FailingStream(1 << 20);
        var writer = new TensorBoardWriter(stream, path, () => T0);
        stream.FailFlush = true;
        Assert.Contains(path, Assert.Throws<IOException>(() => writer.Flush()).Message);
        writer.Dispose(); // already reported: quiet

        var failing = new FailingStream(1 << 20);
        var other = new TensorBoardWriter(failing, path, () => T0);
        other.AddScalar("a", 1, 1f);
        failing.FailFlush = true;
        Assert.Contains(path, Assert.Throws<IOException>(() => other.Dispose()).Message);
        other.Dispose(); // closed now: does nothing
    }

    [DevFullFact]
    public void DiskFull_ThrowsIOExceptionNamingTheFile()
    {
        // Linux's /dev/full fails every write with ENOSPC; the first record is written and flushed in the constructor.
        var stream = new FileStream(DevFullFactAttribute.DevFull, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 4096);
        var ex = Assert.Throws<IOException>(() => new TensorBoardWriter(stream, DevFullFactAttribute.DevFull, () => T0));
        Assert.Contains(DevFullFactAttribute.DevFull, ex.Message);
        Assert.Throws<ObjectDisposedException>(() => stream.WriteByte(0)); // the writer closed it
    }

    [Fact]
    public void UnusableLogFolder_ThrowsIOExceptionNamingIt()
    {
        Directory.CreateDirectory(_root);
        string file = Path.Combine(_root, "not-a-folder");
        File.WriteAllText(file, "x");
        var ex = Assert.Throws<IOException>(() => new TensorBoardWriter(file));
        Assert.Contains(file, ex.Message);
    }
}
