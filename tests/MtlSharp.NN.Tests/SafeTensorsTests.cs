using System.Buffers.Binary;
using System.Text;
using MtlSharp.NN.Checkpoints;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.NN.Tests;

public sealed class SafeTensorsTests
{
    private static string FixturePath(string name) => Path.Combine(Fixtures.RepoRoot, "tests", "fixtures", "nn", name);

    // The tensors gen_nn.py writes into its safetensors fixtures.
    private static (string, Tensor)[] Expected() =>
    [
        ("a", Tensor.FromArray(Enumerable.Range(0, 6).Select(i => (0.5f * i) - 1.25f).ToArray(), 2, 3)),
        ("b.c", Tensor.FromArray(Enumerable.Range(0, 4).Select(i => (float)(1.0 / (i + 3))).ToArray(), 4)),
        ("scalar", Tensor.FromArray([MathF.PI], [])),
    ];

    private static readonly Dictionary<string, string> ExpectedMeta = new() { ["format"] = "pt", ["note"] = "written by gen_nn.py" };

    [Theory]
    [InlineData("foreign.safetensors")]
    [InlineData("layout.safetensors")]
    public void Reads_FilesWrittenByPython(string name)
    {
        var file = SafeTensors.Read(FixturePath(name));
        Assert.Equal(ExpectedMeta, file.Metadata);
        // Returned in data order, whatever the header's key order.
        Assert.Equal(["a", "b.c", "scalar"], file.Tensors.Select(t => t.Name));
        foreach (var (n, t) in Expected())
        {
            Assert.True(file.TryGet(n, out var got));
            Assert.Equal(t.Shape, got.Shape);
            Assert.Equal(t.ToArray(), got.ToArray());
        }
    }

    [Fact]
    public void Writer_IsByteIdenticalToPythonStructPackedLayout()
    {
        using var ms = new MemoryStream();
        SafeTensors.Write(ms, Expected(), new Dictionary<string, string> { ["format"] = "pt", ["note"] = "written by gen_nn.py" });
        Assert.Equal(File.ReadAllBytes(FixturePath("layout.safetensors")), ms.ToArray());
    }

    [Fact]
    public void Header_IsAlignedAndValid()
    {
        using var ms = new MemoryStream();
        var t = Tensor.FromArray([1f, 2f, 3f], 3);
        SafeTensors.Write(ms, [("layers.0.weight", t)]);
        byte[] b = ms.ToArray();
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(b);
        Assert.Equal(0UL, (8 + n) % 8);
        string json = Encoding.UTF8.GetString(b, 8, (int)n);
        Assert.Equal("{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", json.TrimEnd(' '));
        Assert.Equal(8 + (int)n + 12, b.Length);
        Assert.Equal(2f, BitConverter.ToSingle(b, 8 + (int)n + 4));
    }

    [Fact]
    public void RoundTrip_ThroughAFile()
    {
        string dir = Directory.CreateTempSubdirectory("mtlsharp-st").FullName;
        try
        {
            string path = Path.Combine(dir, "x.safetensors");
            var rng = new Rng(3);
            var tensors = new (string, Tensor)[]
            {
                ("w", Tensor.Normal(new Shape(17, 5), 0f, 1f, rng)),
                ("empty", Tensor.Zeros(0, 4)),
                ("b", Tensor.Normal(new Shape(3), 0f, 1f, rng)),
            };
            SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["k"] = "v \"quoted\" ✓" });
            var file = SafeTensors.Read(path);
            Assert.Equal("v \"quoted\" ✓", file.Metadata["k"]);
            Assert.Equal(tensors.Select(t => t.Item1), file.Tensors.Select(t => t.Name));
            for (int i = 0; i < tensors.Length; i++)
            {
                Assert.Equal(tensors[i].Item2.Shape, file.Tensors[i].Value.Shape);
                Assert.Equal(tensors[i].Item2.ToArray(), file.Tensors[i].Value.ToArray());
            }

            Assert.Single(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Reader_RejectsCorruptFiles()
    {
        using var ms = new MemoryStream();
        SafeTensors.Write(ms, [("w", Tensor.Ones(4))]);
        byte[] good = ms.ToArray();
        Assert.Throws<FormatException>(() => SafeTensors.Parse(good.AsSpan(0, good.Length - 1)));   // truncated data
        Assert.Throws<FormatException>(() => SafeTensors.Parse(good.AsSpan(0, 5)));                  // no header length
        byte[] bad = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(bad, 1UL << 40);
        Assert.Throws<FormatException>(() => SafeTensors.Parse(bad));                               // header too long
        byte[] f16 = Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}");
        byte[] withF16 = new byte[8 + f16.Length + 2];
        BinaryPrimitives.WriteUInt64LittleEndian(withF16, (ulong)f16.Length);
        f16.CopyTo(withF16, 8);
        Assert.Contains("F16", Assert.Throws<NotSupportedException>(() => SafeTensors.Parse(withF16)).Message);
    }

    private static byte[] WithHeader(string header, int dataBytes)
    {
        byte[] h = Encoding.UTF8.GetBytes(header);
        byte[] file = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)h.Length);
        h.CopyTo(file, 8);
        return file;
    }

    [Fact]
    public void DeclaredShapesAreCheckedAgainstTheDataBeforeAnythingIsAllocated()
    {
        byte[] absurd = WithHeader("""{"w":{"dtype":"F32","shape":[46340,46340],"data_offsets":[0,128]}}""", 128);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<FormatException>(() => SafeTensors.Parse(absurd));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "a tensor was allocated for a 128-byte data section");
        Assert.Contains("tensor 'w' of shape [46340, 46340] needs 8589582400 bytes, data_offsets give 128", e.Message);

        // Offsets that agree with the absurd shape but point past the data: rejected as well, still without allocating.
        byte[] agreeing = WithHeader("""{"w":{"dtype":"F32","shape":[46340,46340],"data_offsets":[0,8589582400]}}""", 128);
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("ends at byte 8589582400 but the data section has 128", Assert.Throws<FormatException>(() => SafeTensors.Parse(agreeing)).Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[100000,100000],"data_offsets":[0,4]}}""", "tensor 'w' has shape [100000, 100000], more than 2147483647 elements")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "tensor 'w' has shape dimension -1")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", "tensor 'w' has shape dimension 1.5")]
    [InlineData("""{"w":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}""", "tensor 'w' has shape dimension \"1\"")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":["0",4]}}""", "tensor 'w' has invalid data_offsets")]
    [InlineData("""{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}""", "tensor 'w' has a dtype that is not a string")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}""", "tensor 'w' appears twice")]
    public void MalformedHeadersAreFormatErrorsNamingTheTensor(string header, string expected)
    {
        var e = Assert.Throws<FormatException>(() => SafeTensors.Parse(WithHeader(header, 4)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void FileErrorsNameTheFile()
    {
        string dir = Directory.CreateTempSubdirectory("mtlsharp-st").FullName;
        try
        {
            string path = Path.Combine(dir, "model.safetensors");
            File.WriteAllBytes(path, WithHeader("""{"layer.w":{"dtype":"F32","shape":[65536,65536],"data_offsets":[0,4]}}""", 4));
            var e = Assert.Throws<FormatException>(() => SafeTensors.Read(path));
            Assert.StartsWith($"{path}: safetensors: tensor 'layer.w' has shape [65536, 65536], more than", e.Message);

            File.WriteAllBytes(path, WithHeader("""{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}""", 4));
            Assert.StartsWith($"{path}: safetensors: tensor 'w' has dtype BF16", Assert.Throws<NotSupportedException>(() => SafeTensors.Read(path)).Message);

            byte[] header = [.. "{\"w"u8, 0xFF, .. "\":{}}"u8];
            byte[] file = new byte[8 + header.Length];
            BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
            header.CopyTo(file, 8);
            File.WriteAllBytes(path, file);
            Assert.StartsWith($"{path}: safetensors: the header is not valid UTF-8", Assert.Throws<FormatException>(() => SafeTensors.Read(path)).Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
