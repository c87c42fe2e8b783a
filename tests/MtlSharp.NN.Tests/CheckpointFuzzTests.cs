using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using MtlSharp.NN.Checkpoints;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;
using MtlSharp.Testing.Fuzzing;

namespace MtlSharp.NN.Tests;

/// <summary>
/// CsCheck fuzzing of the checkpoint readers: mutated safetensors files (whole-file byte mutations, and header-only
/// mutations with a consistent length prefix so the JSON and the data checks are reached) are read or rejected with
/// <see cref="FormatException"/> / <see cref="NotSupportedException"/> (dtype), and mutated <c>checkpoint.json</c> files
/// with <see cref="FormatException"/>; nothing else, and no case hangs. Fixed seeds.
/// </summary>
public sealed class CheckpointFuzzTests
{
    private const int Cases = 400;

    private static bool Documented(Exception e) => e is FormatException or NotSupportedException;

    private static byte[] ValidSafeTensors()
    {
        using var ms = new MemoryStream();
        SafeTensors.Write(ms, [("layers.0.weight", Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3)), ("layers.0.bias", Tensor.FromArray([7f, 8f], 2)), ("s", Tensor.Scalar(9f))],
            new Dictionary<string, string> { ["format"] = "pt", ["step"] = "12" });
        return ms.ToArray();
    }

    /// <summary>Mutates only the JSON header and writes a length prefix that matches it.</summary>
    private static byte[] MutateHeader(byte[] file, Fuzz.Mutation[] mutations)
    {
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        byte[] header = Fuzz.Apply(file[8..(8 + n)], mutations);
        byte[] result = new byte[8 + header.Length + (file.Length - 8 - n)];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)header.Length);
        header.CopyTo(result, 8);
        file.AsSpan(8 + n).CopyTo(result.AsSpan(8 + header.Length));
        return result;
    }

    [Fact]
    public void SafeTensorsFiles()
    {
        byte[] valid = ValidSafeTensors();
        Assert.Equal(3, SafeTensors.Parse(valid).Tensors.Count);
        double rejected = Fuzz.Run("safetensors", [valid], 0x5AFE, Cases, b => SafeTensors.Parse(b), Documented);
        Assert.InRange(rejected, 0.5, 1.0);
        rejected = Fuzz.Run("safetensors header", [valid], 0x5AFF, Cases, b => SafeTensors.Parse(b), Documented, MutateHeader);
        Assert.InRange(rejected, 0.5, 1.0);
    }

    [Fact]
    public void SafeTensorsFilesThroughTheFileReaderNameTheFile()
    {
        string dir = Directory.CreateTempSubdirectory("mtlsharp-fuzz").FullName;
        try
        {
            string path = Path.Combine(dir, "model.safetensors");
            int named = 0, rejected = 0;
            Fuzz.Run("safetensors file", [ValidSafeTensors()], 0x5AF0, Cases / 4, b =>
            {
                File.WriteAllBytes(path, b);
                try
                {
                    SafeTensors.Read(path);
                }
                catch (Exception e) when (Documented(e))
                {
                    rejected++;
                    named += e.Message.StartsWith(path, StringComparison.Ordinal) ? 1 : 0;
                    throw;
                }
            }, Documented, MutateHeader);
            Assert.True(rejected > 0);
            Assert.Equal(rejected, named);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void CheckpointMetadataFiles()
    {
        string dir = Directory.CreateTempSubdirectory("mtlsharp-fuzz").FullName;
        try
        {
            var model = new Sequential(new Linear(2, 2, new Rng(1)));
            using var config = JsonDocument.Parse("""{"args": ["--preset", "income", "--seed", "3"]}""");
            Checkpoint.Save(dir, model, null, new CheckpointMetadata
            {
                Step = 42, Epoch = 2, Config = config.RootElement.Clone(),
                Metrics = new Dictionary<string, double> { ["val/a"] = 0.5 }, Extra = new Dictionary<string, string> { ["seed"] = "3" },
            });
            string path = Path.Combine(dir, Checkpoint.MetadataFile);
            byte[] valid = File.ReadAllBytes(path);
            Assert.Equal(42, Checkpoint.ReadMetadata(dir).Step);
            double rejected = Fuzz.Run("checkpoint.json", [valid, Encoding.UTF8.GetBytes("{\"step\": 1}")], 0xC4E, Cases, b =>
            {
                File.WriteAllBytes(path, b);
                Checkpoint.ReadMetadata(dir);
            }, e => e is FormatException && e.Message.Contains(path, StringComparison.Ordinal));
            Assert.InRange(rejected, 0.3, 1.0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
