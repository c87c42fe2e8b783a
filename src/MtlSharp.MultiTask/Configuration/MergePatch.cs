using System.Text.Json.Nodes;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>JSON merge patch (RFC 7386): objects merge key by key, null removes a key, anything else replaces.</summary>
public static class MergePatch
{
    /// <summary>Applies <paramref name="patch"/> to <paramref name="target"/> in place.</summary>
    public static void Apply(JsonObject target, JsonNode? patch)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (patch is not JsonObject p)
        {
            throw new ArgumentException("A merge patch of an object must be an object.", nameof(patch));
        }

        foreach (var (key, value) in p.ToArray())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject child && target[key] is JsonObject existing)
            {
                Apply(existing, child);
            }
            else
            {
                p.Remove(key);
                target[key] = value;
            }
        }
    }

    /// <summary>Named numbers (a strategy's options) as a JSON object for a patch.</summary>
    public static JsonObject Numbers(IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var o = new JsonObject();
        foreach (var (k, v) in values)
        {
            o[k] = v;
        }

        return o;
    }
}
