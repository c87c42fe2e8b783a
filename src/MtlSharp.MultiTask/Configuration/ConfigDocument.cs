using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// A configuration file as written: its JSON (comments and trailing commas allowed), checked against the schema
/// when loaded, with its named methods. <see cref="Resolve"/> applies one method's patch and any overrides and gives
/// the typed <see cref="RunConfig"/>. Every error names the file, the line and the key, and says what was expected.
/// </summary>
public sealed class ConfigDocument
{
    private static readonly JsonDocumentOptions ParseOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
    private readonly JsonObject _root;
    private readonly JsonLineMap _lines;

    private ConfigDocument(string source, string text, JsonObject root, JsonLineMap lines)
    {
        Source = source;
        Text = text;
        _root = root;
        _lines = lines;
        Methods = root["methods"] is JsonObject m ? m.Select(kv => kv.Key).ToArray() : [];
        DefaultMethod = root["defaultMethod"]?.GetValue<string>() ?? (Methods.Count > 0 ? Methods[0] : NoMethod);
        Name = root["name"]!.GetValue<string>();
        Baseline = root["baseline"]?.GetValue<string>();
    }

    /// <summary>The method name of a file without <c>methods</c>.</summary>
    public const string NoMethod = "default";

    /// <summary>The JSON Schema of configuration files (mtl-config.schema.json).</summary>
    public static string SchemaText => ConfigSchema.Text;

    /// <summary>Where the text came from (a path, or <c>preset:NAME</c>).</summary>
    public string Source { get; }

    /// <summary>The text as written.</summary>
    public string Text { get; }

    /// <summary>The configuration's name.</summary>
    public string Name { get; }

    /// <summary>The named methods, in file order (empty: the file is one method, <see cref="NoMethod"/>).</summary>
    public IReadOnlyList<string> Methods { get; }

    /// <summary>The method run when none is named.</summary>
    public string DefaultMethod { get; }

    /// <summary>The method Δm is measured against, if named.</summary>
    public string? Baseline { get; }

    /// <summary>
    /// Reads and checks a configuration file (UTF-8; invalid bytes are an error naming the line). Errors throw
    /// <see cref="InvalidDataException"/> (or <see cref="ArgumentException"/>) naming the file.
    /// </summary>
    public static ConfigDocument Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new IOException($"{path} is a directory, not a configuration file.");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such configuration file.", path);
        }

        return Parse(MtlSharp.Data.DataFile.ReadAllText(path), path);
    }

    /// <summary>
    /// Parses and checks configuration text; <paramref name="source"/> names it in messages. Any text that is not a
    /// valid configuration throws <see cref="InvalidDataException"/> (or <see cref="ArgumentException"/>), never
    /// another exception.
    /// </summary>
    public static ConfigDocument Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: ParseOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}:{(e.LineNumber ?? 0) + 1}: not valid JSON: {FirstSentence(e.Message)}", e);
        }

        var lines = JsonLineMap.Build(text);
        Check(node, source, lines, null);
        var root = (JsonObject)node!;
        var doc = new ConfigDocument(source, text, root, lines);
        if (doc.Methods.Count > 0 && !doc.Methods.Contains(doc.DefaultMethod))
        {
            throw doc.Error("defaultMethod", $"'{doc.DefaultMethod}' is not one of the methods: {string.Join(", ", doc.Methods)}");
        }

        if (doc.Baseline is { } b && (doc.Methods.Count == 0 ? b != NoMethod : !doc.Methods.Contains(b)))
        {
            throw doc.Error("baseline", $"'{b}' is not one of the methods: {string.Join(", ", doc.Methods)}");
        }

        // Every method must resolve: a bad patch is reported now, not when that method is first run.
        foreach (string m in doc.Methods)
        {
            doc.ResolveChecked(m, null, dataDirectory: null, checkFiles: false);
        }

        if (doc.Methods.Count == 0)
        {
            doc.ResolveChecked(null, null, dataDirectory: null, checkFiles: false);
        }

        return doc;
    }

    /// <summary>
    /// The typed configuration of <paramref name="method"/> (null: the default) with <paramref name="overrides"/> (a
    /// JSON merge patch, e.g. from command-line options) applied last. Relative data paths resolve against
    /// <paramref name="dataDirectory"/>.
    /// </summary>
    public RunConfig Resolve(string? method, JsonObject? overrides, string? dataDirectory) =>
        ResolveChecked(method, overrides, dataDirectory, checkFiles: true);

    /// <summary>As <see cref="Resolve"/> without checking that data files exist (relative paths stay relative to the working folder).</summary>
    public RunConfig ResolveWithoutFiles(string? method, JsonObject? overrides) =>
        ResolveChecked(method, overrides, dataDirectory: null, checkFiles: false);

    private RunConfig ResolveChecked(string? method, JsonObject? overrides, string? dataDirectory, bool checkFiles)
    {
        string m = method ?? DefaultMethod;
        var merged = (JsonObject)_root.DeepClone();
        string stage = string.Empty;
        if (Methods.Count > 0)
        {
            if (!Methods.Contains(m))
            {
                throw new ArgumentException($"{Source}: no method '{m}'; the methods are: {string.Join(", ", Methods)}");
            }

            ApplyPatch(merged, (JsonObject)_root["methods"]![m]!.DeepClone());
            stage = $" (method '{m}')";
        }
        else if (m != NoMethod)
        {
            throw new ArgumentException($"{Source}: no method '{m}'; this configuration has no methods");
        }

        if (overrides is not null)
        {
            ApplyPatch(merged, (JsonObject)overrides.DeepClone());
            stage += " (with the command-line options)";
        }

        merged.Remove("methods");
        merged.Remove("defaultMethod");

        // Re-parse so every value is element-backed (patches may hold CLR values).
        var clean = JsonNode.Parse(merged.ToJsonString())!;
        var lines = overrides is null ? _lines : _lines.Without(overrides);
        Check(clean, Source + stage, lines, _root);
        return new ConfigReader(Source + stage, lines).Read((JsonObject)clean, m, dataDirectory, checkFiles);
    }

    /// <summary>
    /// A merge patch, except that a patch naming a strategy replaces that strategy's options instead of merging into
    /// the options of the strategy it replaces.
    /// </summary>
    private static void ApplyPatch(JsonObject target, JsonObject patch)
    {
        if (patch["strategy"] is JsonObject ps && target["strategy"] is JsonObject ts)
        {
            foreach (string key in new[] { "aggregator", "weighting", "sampler" })
            {
                if (ps.ContainsKey(key))
                {
                    ts.Remove(key + "Options");
                }
            }
        }

        MergePatch.Apply(target, patch);
    }

    internal InvalidDataException Error(string path, string message) => ConfigReader.Error(Source, _lines, path, message);

    private static void Check(JsonNode? node, string source, JsonLineMap lines, JsonObject? original)
    {
        var errors = ConfigSchema.Instance.Validate(node);
        if (errors.Count == 0)
        {
            return;
        }

        var text = new StringBuilder();
        foreach (var (path, message) in errors.Take(20))
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(ConfigReader.Format(source, lines, path, message));
        }

        if (errors.Count > 20)
        {
            text.Append($"\n… and {errors.Count - 20} more");
        }

        throw new InvalidDataException(text.ToString());
    }

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
