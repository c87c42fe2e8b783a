using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MtlSharp.NN.Checkpoints;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Training.State;

/// <summary>
/// Everything a resumable run holds besides the model and optimizer tensors: step counters, RNG streams, sampler
/// and data-order positions, callback state (curves, best-so-far, patience). Small values live in a JSON object
/// (<see cref="JsonFile"/>), large float arrays (data orders, best-weights snapshots) in a safetensors file
/// (<see cref="ArrayFile"/>). Keys are scoped: <see cref="Scope"/> gives a view whose keys are prefixed, so each
/// part of the trainer writes under its own name.
/// </summary>
public sealed class StateBag
{
    /// <summary>The JSON file of a saved bag in a checkpoint folder.</summary>
    public const string JsonFile = "trainer.json";

    /// <summary>The array file of a saved bag in a checkpoint folder.</summary>
    public const string ArrayFile = "trainer.safetensors";

    private readonly JsonObject _json;
    private readonly Dictionary<string, float[]> _arrays;
    private readonly string _prefix;

    /// <summary>An empty bag.</summary>
    public StateBag()
        : this(new JsonObject(), new Dictionary<string, float[]>(StringComparer.Ordinal), "")
    {
    }

    private StateBag(JsonObject json, Dictionary<string, float[]> arrays, string prefix)
    {
        _json = json;
        _arrays = arrays;
        _prefix = prefix;
    }

    /// <summary>A view of this bag whose keys are prefixed by <paramref name="name"/> + "/".</summary>
    public StateBag Scope(string name) => new(_json, _arrays, _prefix + name + "/");

    /// <summary>Whether <paramref name="key"/> was saved.</summary>
    public bool Contains(string key) => _json.ContainsKey(_prefix + key) || _arrays.ContainsKey(_prefix + key);

    /// <summary>Stores a 64-bit integer.</summary>
    public void SetLong(string key, long value) => _json[_prefix + key] = value;

    /// <summary>Reads a 64-bit integer.</summary>
    public long GetLong(string key) => Node(key).GetValue<long>();

    /// <summary>Stores a double exactly (NaN and infinities included).</summary>
    public void SetDouble(string key, double value) => _json[_prefix + key] = DoubleNode(value);

    /// <summary>Reads a double stored by <see cref="SetDouble"/>.</summary>
    public double GetDouble(string key) => ReadDouble(Node(key), _prefix + key);

    /// <summary>Stores a string.</summary>
    public void SetString(string key, string value) => _json[_prefix + key] = value;

    /// <summary>Reads a string.</summary>
    public string GetString(string key) => Node(key).GetValue<string>();

    /// <summary>Stores doubles exactly.</summary>
    public void SetDoubles(string key, IReadOnlyList<double> values)
    {
        var a = new JsonArray();
        foreach (double v in values)
        {
            a.Add(DoubleNode(v));
        }

        _json[_prefix + key] = a;
    }

    /// <summary>Reads doubles stored by <see cref="SetDoubles"/>.</summary>
    public double[] GetDoubles(string key)
    {
        var a = Node(key).AsArray();
        var r = new double[a.Count];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = ReadDouble(a[i]!, _prefix + key);
        }

        return r;
    }

    /// <summary>Stores small integer lists in the JSON part.</summary>
    public void SetInts(string key, IReadOnlyList<int> values)
    {
        var a = new JsonArray();
        foreach (int v in values)
        {
            a.Add((JsonNode)v);
        }

        _json[_prefix + key] = a;
    }

    /// <summary>Reads integers stored by <see cref="SetInts"/>.</summary>
    public int[] GetInts(string key) => Node(key).AsArray().Select(n => n!.GetValue<int>()).ToArray();

    /// <summary>Stores a float array in the array file (a copy).</summary>
    public void SetArray(string key, ReadOnlySpan<float> values) => _arrays[_prefix + key] = values.ToArray();

    /// <summary>Reads a float array.</summary>
    public float[] GetArray(string key) =>
        _arrays.TryGetValue(_prefix + key, out var a) ? a : throw Missing(key);

    /// <summary>
    /// Stores a double array exactly in the array file (each value's 64 bits as four 16-bit pieces, which float32
    /// holds exactly): long double-precision state — learned vectors of a strategy — too long for the JSON part.
    /// </summary>
    public void SetDoubleArray(string key, ReadOnlySpan<double> values)
    {
        var f = new float[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            ulong bits = BitConverter.DoubleToUInt64Bits(values[i]);
            for (int k = 0; k < 4; k++)
            {
                f[(i * 4) + k] = (bits >> (16 * k)) & 0xFFFF;
            }
        }

        _arrays[_prefix + key] = f;
    }

    /// <summary>Reads a double array stored by <see cref="SetDoubleArray"/>.</summary>
    public double[] GetDoubleArray(string key)
    {
        float[] f = GetArray(key);
        if (f.Length % 4 != 0)
        {
            throw new InvalidDataException($"State '{_prefix + key}': {f.Length} pieces are not whole doubles.");
        }

        var r = new double[f.Length / 4];
        for (int i = 0; i < r.Length; i++)
        {
            ulong bits = 0;
            for (int k = 0; k < 4; k++)
            {
                bits |= (ulong)f[(i * 4) + k] << (16 * k);
            }

            r[i] = BitConverter.UInt64BitsToDouble(bits);
        }

        return r;
    }

    /// <summary>
    /// Stores a permutation or index list (values below 2²⁴, exactly representable) in the array file: data orders
    /// of large datasets are too long for the JSON part.
    /// </summary>
    public void SetIndexArray(string key, ReadOnlySpan<int> values)
    {
        var f = new float[values.Length];
        for (int i = 0; i < f.Length; i++)
        {
            if ((uint)values[i] >= 1u << 24)
            {
                throw new ArgumentOutOfRangeException(nameof(values), $"StateBag: index {values[i]} of '{key}' is not below 2^24.");
            }

            f[i] = values[i];
        }

        _arrays[_prefix + key] = f;
    }

    /// <summary>Reads an index list stored by <see cref="SetIndexArray"/>.</summary>
    public int[] GetIndexArray(string key)
    {
        float[] f = GetArray(key);
        var r = new int[f.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = (int)f[i];
        }

        return r;
    }

    /// <summary>Stores a random stream's state.</summary>
    public void SetRng(string key, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        _json[_prefix + key] = new JsonArray(rng.SaveState().Select(w => (JsonNode)w.ToString(CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>Restores a random stream's state in place (objects sharing the stream keep sharing it).</summary>
    public void LoadRng(string key, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var words = Node(key).AsArray().Select(n => ulong.Parse(n!.GetValue<string>(), CultureInfo.InvariantCulture)).ToArray();
        rng.RestoreState(words);
    }

    /// <summary>Writes the bag into <paramref name="directory"/> (<see cref="JsonFile"/> and <see cref="ArrayFile"/>).</summary>
    public void Save(string directory)
    {
        var tensors = _arrays.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, Tensor.FromArray(kv.Value, kv.Value.Length))).ToList();
        SafeTensors.Write(Path.Combine(directory, ArrayFile), tensors);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(_json, StateJsonContext.Default.JsonObject);
        AtomicFile.WriteAllBytes(Path.Combine(directory, JsonFile), json);
    }

    /// <summary>Reads a bag saved by <see cref="Save"/>; a missing or damaged file is an error naming it.</summary>
    public static StateBag Load(string directory)
    {
        string jsonPath = Path.Combine(directory, JsonFile);
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllBytes(jsonPath)) as JsonObject
                ?? throw new InvalidDataException($"{jsonPath}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{jsonPath}: not valid JSON ({e.Message}).", e);
        }

        var file = SafeTensors.Read(Path.Combine(directory, ArrayFile));
        var arrays = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (name, t) in file.Tensors)
        {
            arrays[name] = t.Span.ToArray();
        }

        return new StateBag(json, arrays, "");
    }

    private JsonNode Node(string key) => _json[_prefix + key] ?? throw Missing(key);

    private InvalidDataException Missing(string key) =>
        new($"The saved trainer state has no '{_prefix + key}' (the checkpoint was written by another version or configuration).");

    private static JsonNode DoubleNode(double v) =>
        double.IsFinite(v) ? JsonValue.Create(v) : JsonValue.Create(v.ToString("R", CultureInfo.InvariantCulture));

    private static double ReadDouble(JsonNode n, string key)
    {
        if (n is JsonValue v)
        {
            if (v.TryGetValue(out double d))
            {
                return d;
            }

            if (v.TryGetValue(out string? s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d))
            {
                return d;
            }
        }

        throw new InvalidDataException($"The saved trainer state's '{key}' is not a number.");
    }
}
