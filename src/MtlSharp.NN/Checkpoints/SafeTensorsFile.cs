using MtlSharp.Tensors;

namespace MtlSharp.NN.Checkpoints;

/// <summary>The content of a safetensors file: named float32 tensors in data order and the <c>__metadata__</c> map.</summary>
public sealed class SafeTensorsFile
{
    private readonly Dictionary<string, Tensor> _byName;

    /// <summary>Creates the content from its parts (names must be unique).</summary>
    public SafeTensorsFile(IReadOnlyList<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        Tensors = tensors;
        Metadata = metadata;
        _byName = new Dictionary<string, Tensor>(tensors.Count, StringComparer.Ordinal);
        foreach (var (name, t) in tensors)
        {
            if (!_byName.TryAdd(name, t))
            {
                throw new ArgumentException($"safetensors: duplicate tensor name '{name}'.", nameof(tensors));
            }
        }
    }

    /// <summary>The tensors (each owns its storage), in the order of their data in the file.</summary>
    public IReadOnlyList<(string Name, Tensor Value)> Tensors { get; }

    /// <summary>The free-form string map stored under <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor called <paramref name="name"/>, if present.</summary>
    public bool TryGet(string name, out Tensor tensor) => _byName.TryGetValue(name, out tensor!);
}
