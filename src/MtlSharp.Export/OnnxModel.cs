using Google.Protobuf;
using MtlSharp.Export.Onnx;
using MtlSharp.NN.Checkpoints;

namespace MtlSharp.Export;

/// <summary>
/// An exported ONNX model (one graph, one output per exported task), ready to be written. Routed and expert models
/// take one float input; taggers take four int64 inputs (<see cref="InputNames"/>).
/// </summary>
public sealed class OnnxModel
{
    internal OnnxModel(ModelProto proto, string inputName, IReadOnlyList<int> inputShape, IReadOnlyList<string> tasks, long weights)
        : this(proto, [inputName], inputShape, tasks, weights)
    {
    }

    internal OnnxModel(ModelProto proto, IReadOnlyList<string> inputNames, IReadOnlyList<int> inputShape, IReadOnlyList<string> tasks, long weights)
    {
        Proto = proto;
        InputNames = inputNames;
        InputName = inputNames[0];
        InputShape = inputShape;
        Tasks = tasks;
        WeightCount = weights;
    }

    /// <summary>The protobuf message (for tests and tools in this assembly).</summary>
    internal ModelProto Proto { get; }

    /// <summary>Name of the (first) graph input.</summary>
    public string InputName { get; }

    /// <summary>Names of the graph inputs, in order (one for routed and expert models; words, lengths, chars, char_lengths for taggers).</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>
    /// Shape of one example; the input is float [N, InputShape…] with a symbolic batch size N. Empty for taggers,
    /// whose inputs are int64 with symbolic sizes (see <see cref="OnnxExporter.WordsInput"/>).
    /// </summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>The exported tasks, in model order; each is the name of one graph output.</summary>
    public IReadOnlyList<string> Tasks { get; }

    /// <summary>Number of graph nodes.</summary>
    public int NodeCount => Proto.Graph.Node.Count;

    /// <summary>Number of float weights stored in the graph (the parameters the exported tasks use).</summary>
    public long WeightCount { get; }

    /// <summary>The serialised model (the bytes of a .onnx file).</summary>
    public byte[] ToArray() => Proto.ToByteArray();

    /// <summary>Writes the serialised model to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Proto.WriteTo(stream);
    }

    /// <summary>
    /// Writes the model to <paramref name="path"/> atomically (<see cref="AtomicFile"/>: a temporary file in the same
    /// folder, renamed over <paramref name="path"/>); missing folders are created. On failure no partial file is left
    /// and an existing file is unchanged.
    /// </summary>
    /// <exception cref="IOException"><paramref name="path"/> is a folder, or writing failed.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or file is not writable.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new IOException($"Cannot write the ONNX model to '{path}': it is a folder.");
        }

        try
        {
            AtomicFile.Write(path, Proto.WriteTo);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException($"Cannot write the ONNX model to '{path}': {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new IOException($"Cannot write the ONNX model to '{path}': {e.Message}", e);
        }
    }
}
