using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Validates a configuration against <c>mtl-config.schema.json</c> (shipped in the repository and embedded in this
/// assembly) and reports every violation with its path. Implements the part of JSON Schema 2020-12 the schema uses:
/// <c>type</c>, <c>properties</c>, <c>additionalProperties</c>, <c>required</c>, <c>enum</c>, <c>const</c>,
/// <c>minimum</c>/<c>maximum</c> and their exclusive forms, <c>minLength</c>, <c>minItems</c>, <c>items</c>,
/// <c>$ref</c> into <c>$defs</c>, and <c>oneOf</c> whose branches are told apart by the constant of their
/// <c>type</c> key (a discriminated union: the branch whose constant matches is the one validated, so messages are
/// about that branch, not "matches none of 4").
/// </summary>
internal sealed class ConfigSchema
{
    private readonly JsonElement _root;

    private ConfigSchema(JsonElement root) => _root = root;

    /// <summary>The schema's text.</summary>
    public static string Text { get; } = LoadText();

    /// <summary>The shipped schema.</summary>
    public static ConfigSchema Instance { get; } = new(JsonDocument.Parse(Text).RootElement.Clone());

    private static string LoadText()
    {
        using var s = typeof(ConfigSchema).Assembly.GetManifestResourceStream("MtlSharp.MultiTask.Configuration.mtl-config.schema.json")
            ?? throw new InvalidOperationException("The configuration schema is not embedded in the assembly.");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>Every violation of <paramref name="node"/> as (path, message).</summary>
    public List<(string Path, string Message)> Validate(JsonNode? node)
    {
        var errors = new List<(string, string)>();
        Check(node, _root, string.Empty, errors);
        return errors;
    }

    private JsonElement Resolve(JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out var r))
        {
            string reference = r.GetString()!;
            const string prefix = "#/$defs/";
            if (!reference.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Unsupported $ref '{reference}'.");
            }

            schema = _root.GetProperty("$defs").GetProperty(reference[prefix.Length..]);
        }

        return schema;
    }

    private void Check(JsonNode? node, JsonElement schema, string path, List<(string, string)> errors)
    {
        schema = Resolve(schema);
        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            if (!CheckType(node, schema, path, errors))
            {
                return;
            }

            CheckDiscriminated(node, oneOf, path, errors);
            return;
        }

        if (!CheckType(node, schema, path, errors))
        {
            return;
        }

        if (schema.TryGetProperty("const", out var c) && !JsonEquals(node, c))
        {
            errors.Add((path, $"expected {c.GetRawText()}, got {Show(node)}"));
            return;
        }

        if (schema.TryGetProperty("enum", out var en))
        {
            if (!en.EnumerateArray().Any(e => JsonEquals(node, e)))
            {
                errors.Add((path, $"{Show(node)} is not one of: {string.Join(", ", en.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText()))}"));
            }

            return;
        }

        switch (node)
        {
            case JsonObject obj:
                CheckObject(obj, schema, path, errors);
                break;
            case JsonArray arr:
                if (schema.TryGetProperty("minItems", out var mi) && arr.Count < mi.GetInt32())
                {
                    errors.Add((path, $"expected at least {mi.GetInt32()} item{(mi.GetInt32() == 1 ? "" : "s")}, got {arr.Count}"));
                }

                if (schema.TryGetProperty("items", out var items))
                {
                    for (int i = 0; i < arr.Count; i++)
                    {
                        Check(arr[i], items, JsonPaths.Item(path, i), errors);
                    }
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                CheckNumber(v.GetValue<double>(), schema, path, errors);
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                if (schema.TryGetProperty("minLength", out var ml) && v.GetValue<string>().Length < ml.GetInt32())
                {
                    errors.Add((path, "expected a non-empty string"));
                }

                break;
        }
    }

    private void CheckDiscriminated(JsonNode? node, JsonElement oneOf, string path, List<(string, string)> errors)
    {
        if (node is not JsonObject obj)
        {
            errors.Add((path, $"expected an object, got {Show(node)}"));
            return;
        }

        var branches = oneOf.EnumerateArray().Select(Resolve).ToArray();
        string[] names = branches.Select(b => b.GetProperty("properties").GetProperty("type").GetProperty("const").GetString()!).ToArray();
        if (!obj.TryGetPropertyValue("type", out var t) || t is not JsonValue tv || tv.GetValueKind() != JsonValueKind.String)
        {
            errors.Add((path, $"missing \"type\"; expected one of: {string.Join(", ", names)}"));
            return;
        }

        int k = Array.IndexOf(names, tv.GetValue<string>());
        if (k < 0)
        {
            errors.Add((JsonPaths.Child(path, "type"), $"'{tv.GetValue<string>()}' is not one of: {string.Join(", ", names)}"));
            return;
        }

        Check(node, branches[k], path, errors);
    }

    private void CheckObject(JsonObject obj, JsonElement schema, string path, List<(string, string)> errors)
    {
        schema.TryGetProperty("properties", out var props);
        bool hasProps = props.ValueKind == JsonValueKind.Object;
        if (schema.TryGetProperty("required", out var req))
        {
            foreach (var r in req.EnumerateArray())
            {
                if (!obj.ContainsKey(r.GetString()!))
                {
                    errors.Add((path, $"missing required key \"{r.GetString()}\""));
                }
            }
        }

        schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var (key, value) in obj)
        {
            string child = JsonPaths.Child(path, key);
            if (hasProps && props.TryGetProperty(key, out var ps))
            {
                Check(value, ps, child, errors);
            }
            else if (additional.ValueKind == JsonValueKind.False)
            {
                var known = hasProps ? props.EnumerateObject().Select(p => p.Name).Where(n => n != "$schema") : [];
                errors.Add((child, $"unknown key \"{key}\"; expected one of: {string.Join(", ", known)}"));
            }
            else if (additional.ValueKind == JsonValueKind.Object)
            {
                Check(value, additional, child, errors);
            }
        }
    }

    private static void CheckNumber(double x, JsonElement schema, string path, List<(string, string)> errors)
    {
        var ci = CultureInfo.InvariantCulture;
        if (schema.TryGetProperty("minimum", out var min) && x < min.GetDouble())
        {
            errors.Add((path, string.Create(ci, $"expected a number ≥ {min.GetDouble()}, got {x}")));
        }

        if (schema.TryGetProperty("maximum", out var max) && x > max.GetDouble())
        {
            errors.Add((path, string.Create(ci, $"expected a number ≤ {max.GetDouble()}, got {x}")));
        }

        if (schema.TryGetProperty("exclusiveMinimum", out var emin) && x <= emin.GetDouble())
        {
            errors.Add((path, string.Create(ci, $"expected a number > {emin.GetDouble()}, got {x}")));
        }

        if (schema.TryGetProperty("exclusiveMaximum", out var emax) && x >= emax.GetDouble())
        {
            errors.Add((path, string.Create(ci, $"expected a number < {emax.GetDouble()}, got {x}")));
        }
    }

    /// <summary>Checks "type"; false (with an error) when the value has none of the allowed types.</summary>
    private static bool CheckType(JsonNode? node, JsonElement schema, string path, List<(string, string)> errors)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return true;
        }

        string[] allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToArray() : [type.GetString()!];
        if (allowed.Any(a => HasType(node, a)))
        {
            return true;
        }

        string expected = string.Join(" or ", allowed.Select(a => a switch
        {
            "object" => "an object",
            "array" => "an array",
            "integer" => "an integer",
            "null" => "null",
            _ => "a " + a,
        }));
        errors.Add((path, $"expected {expected}, got {Show(node)}"));
        return false;
    }

    private static bool HasType(JsonNode? node, string type) => type switch
    {
        "null" => node is null,
        "object" => node is JsonObject,
        "array" => node is JsonArray,
        "string" => node is JsonValue v && v.GetValueKind() == JsonValueKind.String,
        "boolean" => node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "number" => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number,
        "integer" => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && IsInteger(v),
        _ => throw new InvalidOperationException($"Unsupported schema type '{type}'."),
    };

    private static bool IsInteger(JsonValue v)
    {
        double d = v.GetValue<double>();
        return Math.Floor(d) == d && Math.Abs(d) < int.MaxValue;
    }

    private static bool JsonEquals(JsonNode? node, JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null => node is null,
        JsonValueKind.String => node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == e.GetString(),
        JsonValueKind.Number => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.GetValue<double>() == e.GetDouble(),
        JsonValueKind.True => node is JsonValue v && v.GetValueKind() == JsonValueKind.True,
        JsonValueKind.False => node is JsonValue v && v.GetValueKind() == JsonValueKind.False,
        _ => false,
    };

    /// <summary>A value as shown in a message: strings quoted, containers by kind.</summary>
    public static string Show(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"'{v.GetValue<string>()}'",
        _ => node.ToJsonString(),
    };
}
