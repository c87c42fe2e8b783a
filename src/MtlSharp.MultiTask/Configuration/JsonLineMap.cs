using System.Text;
using System.Text.Json;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Where each value of a JSON text starts: a map from a value's path (<c>tasks[0].kind</c>; the root is the empty
/// string) to its 1-based line, so configuration errors name the line a user has to fix.
/// </summary>
internal sealed class JsonLineMap
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unlined = new(StringComparer.Ordinal);

    private JsonLineMap()
    {
    }

    /// <summary>
    /// The map with the values a merge patch sets (and anything below them) unlined: their text is no longer what the
    /// file shows, so messages about them name no line.
    /// </summary>
    public JsonLineMap Without(System.Text.Json.Nodes.JsonObject patch)
    {
        var copy = new JsonLineMap();
        foreach (var (path, line) in _lines)
        {
            copy._lines[path] = line;
        }

        copy._unlined.UnionWith(_unlined);
        void Walk(System.Text.Json.Nodes.JsonObject o, string at)
        {
            foreach (var (key, value) in o)
            {
                string child = JsonPaths.Child(at, key);
                if (value is System.Text.Json.Nodes.JsonObject { Count: > 0 } inner && copy._lines.ContainsKey(child))
                {
                    Walk(inner, child);   // merged key by key: the object's other keys are as written
                }
                else
                {
                    copy._unlined.Add(child);
                }
            }
        }

        Walk(patch, string.Empty);
        return copy;
    }

    /// <summary>The line of <paramref name="path"/>, or of its nearest ancestor present in the text; null when none is.</summary>
    public int? LineOf(string path)
    {
        string p = path;
        while (true)
        {
            if (_unlined.Contains(p))
            {
                return null;
            }

            if (_lines.TryGetValue(p, out int line))
            {
                return line;
            }

            if (p.Length == 0)
            {
                return null;
            }

            p = JsonPaths.Parent(p);
        }
    }

    /// <summary>Builds the map of <paramref name="utf8"/> (comments and trailing commas allowed, as the loader).</summary>
    public static JsonLineMap Build(ReadOnlySpan<byte> utf8)
    {
        var map = new JsonLineMap();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var lineStarts = new List<int> { 0 };
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        int Line(long offset)
        {
            int idx = lineStarts.BinarySearch((int)offset);
            return (idx >= 0 ? idx : ~idx - 1) + 1;
        }

        // Stack of containers: for arrays the next index, for objects the pending property name.
        var stack = new List<(bool IsArray, int Index, string Path)>();
        string? pendingProperty = null;
        int pendingLine = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    pendingProperty = reader.GetString();
                    pendingLine = Line(reader.TokenStartIndex);
                    continue;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    stack.RemoveAt(stack.Count - 1);
                    continue;
            }

            // A value (scalar or container start): work out its path.
            string path;
            int line;
            if (stack.Count == 0)
            {
                path = string.Empty;
                line = Line(reader.TokenStartIndex);
            }
            else if (stack[^1].IsArray)
            {
                var top = stack[^1];
                path = $"{top.Path}[{top.Index}]";
                stack[^1] = top with { Index = top.Index + 1 };
                line = Line(reader.TokenStartIndex);
            }
            else
            {
                path = JsonPaths.Child(stack[^1].Path, pendingProperty ?? string.Empty);
                line = pendingLine;
            }

            map._lines.TryAdd(path, line);
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                stack.Add((reader.TokenType == JsonTokenType.StartArray, 0, path));
            }
        }

        return map;
    }

    /// <summary>Builds the map of a UTF-16 text.</summary>
    public static JsonLineMap Build(string text) => Build(Encoding.UTF8.GetBytes(text));
}
