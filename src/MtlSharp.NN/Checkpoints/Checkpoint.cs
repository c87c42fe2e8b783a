using System.Globalization;
using System.Text.Json;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;

namespace MtlSharp.NN.Checkpoints;

/// <summary>
/// Saves and restores model weights, optimizer state and run metadata.
/// </summary>
/// <remarks>
/// <para>A checkpoint is a folder with <see cref="ModelFile"/> (the parameters under their dotted names, PyTorch
/// state-dict style), <c>optimizer.{i}.safetensors</c> per optimizer (tensors <c>{parameter}.exp_avg</c>… and the
/// scalar state such as per-parameter step counts in <c>__metadata__</c>), and <see cref="MetadataFile"/>.</para>
/// <para>Every file is written atomically (<see cref="AtomicFile"/>), and the metadata file last, so it marks a
/// complete checkpoint: a crash mid-save leaves the previous complete set of files or, at worst, newer weight files
/// next to the previous metadata (never a half-written file).</para>
/// <para>Loading validates everything before changing anything: a missing or unexpected tensor or a wrong shape throws
/// <see cref="CheckpointMismatchException"/> naming the tensor and both shapes, and leaves the model untouched.</para>
/// </remarks>
public static class Checkpoint
{
    /// <summary>The weights file in a checkpoint folder.</summary>
    public const string ModelFile = "model.safetensors";

    /// <summary>The metadata file in a checkpoint folder.</summary>
    public const string MetadataFile = "checkpoint.json";

    /// <summary>The state file of optimizer <paramref name="index"/> in a checkpoint folder.</summary>
    public static string OptimizerFile(int index) => $"optimizer.{index.ToString(CultureInfo.InvariantCulture)}.safetensors";

    /// <summary>Writes the model's parameters (copy of values, dotted names) to a safetensors file.</summary>
    public static void SaveModel(Module model, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var named = model.NamedParameters();
        var tensors = new List<(string, Tensor)>(named.Count);
        foreach (var (name, p) in named)
        {
            tensors.Add((name, p.Value));
        }

        var meta = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        if (metadata is not null)
        {
            foreach (var (k, v) in metadata)
            {
                meta[k] = v;
            }
        }

        SafeTensors.Write(path, tensors, meta);
    }

    /// <summary>
    /// Loads parameter values from a safetensors file. With <paramref name="strict"/> (default), a tensor in the
    /// file that the model lacks is an error too; either way a model parameter missing from the file, or of another
    /// shape, is.
    /// </summary>
    public static void LoadModel(Module model, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        LoadModel(model, SafeTensors.Read(path), strict, path);
    }

    /// <summary>Loads parameter values from parsed safetensors content (see <see cref="LoadModel(Module, string, bool)"/>).</summary>
    public static void LoadModel(Module model, SafeTensorsFile file, bool strict = true, string source = "checkpoint")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(file);
        var named = model.NamedParameters();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, p) in named)
        {
            expected.Add(name);
            if (!file.TryGet(name, out var t))
            {
                throw new CheckpointMismatchException($"{source}: missing tensor '{name}' (the model's has shape {p.Shape}).");
            }

            if (t.Shape != p.Shape)
            {
                throw new CheckpointMismatchException($"{source}: tensor '{name}' has shape {t.Shape} but the model expects shape {p.Shape}.");
            }
        }

        if (strict)
        {
            foreach (var (name, t) in file.Tensors)
            {
                if (!expected.Contains(name))
                {
                    throw new CheckpointMismatchException($"{source}: unexpected tensor '{name}' of shape {t.Shape}; the model has no such parameter.");
                }
            }
        }

        foreach (var (name, p) in named)
        {
            file.TryGet(name, out var t);
            t.Span.CopyTo(p.Data);
        }
    }

    /// <summary>Writes an optimizer's state to a safetensors file (scalars in <c>__metadata__</c>).</summary>
    public static void SaveOptimizer(IOptimizer optimizer, string path)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var state = optimizer.ExportState();
        SafeTensors.Write(path, state.Tensors, state.Scalars);
    }

    /// <summary>Restores an optimizer's state from a file written by <see cref="SaveOptimizer"/>.</summary>
    public static void LoadOptimizer(IOptimizer optimizer, string path)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var file = SafeTensors.Read(path);
        optimizer.ImportState(new OptimizerState(file.Tensors, file.Metadata));
    }

    /// <summary>
    /// Saves a complete checkpoint into <paramref name="directory"/> (created if needed): weights, each optimizer's
    /// state, then the metadata (with <see cref="CheckpointMetadata.OptimizerCount"/> filled in).
    /// </summary>
    public static void Save(string directory, Module model, IReadOnlyList<IOptimizer>? optimizers, CheckpointMetadata metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(metadata);
        Directory.CreateDirectory(directory);
        SaveModel(model, Path.Combine(directory, ModelFile), new Dictionary<string, string>
        {
            ["step"] = metadata.Step.ToString(CultureInfo.InvariantCulture),
        });
        int count = optimizers?.Count ?? 0;
        for (int i = 0; i < count; i++)
        {
            SaveOptimizer(optimizers![i], Path.Combine(directory, OptimizerFile(i)));
        }

        var meta = metadata with { OptimizerCount = count };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(meta, CheckpointJsonContext.Default.CheckpointMetadata);
        AtomicFile.WriteAllBytes(Path.Combine(directory, MetadataFile), json);
    }

    /// <summary>
    /// Reads a checkpoint folder's metadata; a missing file throws <see cref="FileNotFoundException"/>, a damaged one
    /// <see cref="FormatException"/> naming it.
    /// </summary>
    public static CheckpointMetadata ReadMetadata(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string path = Path.Combine(directory, MetadataFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No complete checkpoint in '{directory}': {MetadataFile} is missing.", path);
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), CheckpointJsonContext.Default.CheckpointMetadata)
                ?? throw new FormatException($"{path}: empty checkpoint metadata (null).");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: damaged checkpoint metadata: {e.Message}", e);
        }
    }

    /// <summary>
    /// Restores a checkpoint folder into <paramref name="model"/> and <paramref name="optimizers"/> (which must
    /// match the saved count) and returns its metadata.
    /// </summary>
    public static CheckpointMetadata Load(string directory, Module model, IReadOnlyList<IOptimizer>? optimizers = null, bool strict = true)
    {
        var meta = ReadMetadata(directory);
        int count = optimizers?.Count ?? 0;
        if (count > 0 && count != meta.OptimizerCount)
        {
            throw new CheckpointMismatchException($"{directory}: the checkpoint holds {meta.OptimizerCount} optimizer states but {count} optimizers were given.");
        }

        LoadModel(model, Path.Combine(directory, ModelFile), strict);
        for (int i = 0; i < count; i++)
        {
            LoadOptimizer(optimizers![i], Path.Combine(directory, OptimizerFile(i)));
        }

        return meta;
    }
}
