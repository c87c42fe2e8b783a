using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.Testing.Fuzzing;

namespace MtlSharp.MultiTask.Tests.Configuration;

/// <summary>
/// CsCheck fuzzing of configuration parsing (<see cref="ConfigDocument.Parse"/>, which checks the schema and resolves
/// every method): shipped presets mutated as text (bytes changed, inserted, deleted, truncated) and as JSON (values
/// replaced by extreme or ill-typed ones, members removed or added) are accepted or rejected with
/// <see cref="InvalidDataException"/> or <see cref="ArgumentException"/>, nothing else, and no case hangs. Fixed seeds.
/// </summary>
public sealed class ConfigFuzzTests
{
    private const int Cases = 250;

    private static readonly string[] Presets = ["income", "mnist4", "synthetic-gumbel", "ewt-domains"];

    private static readonly JsonNode?[] Replacements =
    [
        null, true, false, 0, -1, 1, 2, 0.5, -0.5, 1e308, -1e308, 2147483648L, -2147483649L, 9007199254740993L, 1e-320,
        "", "x", "gumbel", "mlp", "conv", "csv", "idx", "adam", "classification", "regression", "../../etc", "\u0000",
        new JsonArray(), new JsonObject(), new JsonArray(0), new JsonArray(-1, 0), new JsonArray("a"), new JsonObject { ["type"] = "mlp" },
    ];

    private static bool Documented(Exception e) => e is InvalidDataException or ArgumentException;

    private static void Parse(byte[] b) => ConfigDocument.Parse(Encoding.UTF8.GetString(b), "fuzz.json");

    private static IReadOnlyList<byte[]> Seeds() => Presets.Select(p => Encoding.UTF8.GetBytes(BuiltInConfigs.Text(p))).ToArray();

    /// <summary>Replaces, removes or adds JSON values, chosen by each mutation's position among all nodes.</summary>
    private static byte[] MutateJson(byte[] text, Fuzz.Mutation[] mutations)
    {
        var root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
        foreach (var m in mutations)
        {
            var nodes = new List<JsonNode>();
            Collect(root, nodes);
            JsonNode target = nodes[(int)(m.Position % (uint)nodes.Count)];
            JsonNode? value = Replacements[m.Value % Replacements.Length]?.DeepClone();
            JsonNode? parent = target.Parent;
            switch (m.Kind % 3)
            {
                case 0 when parent is JsonObject o:
                    o[target.GetPropertyName()] = value;
                    break;
                case 0 when parent is JsonArray a:
                    a[target.GetElementIndex()] = value;
                    break;
                case 1 when parent is JsonObject o:
                    o.Remove(target.GetPropertyName());
                    break;
                case 1 when parent is JsonArray a:
                    a.RemoveAt(target.GetElementIndex());
                    break;
                case 2 when target is JsonObject o:
                    o["zz" + m.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)] = value;
                    break;
                case 2 when target is JsonArray a:
                    a.Add(a.Count > 0 ? a[m.Length % a.Count]?.DeepClone() : value);
                    break;
            }
        }

        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        into.Add(node);
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, v) in o)
                {
                    if (v is not null)
                    {
                        Collect(v, into);
                    }
                }

                break;
            case JsonArray a:
                foreach (var v in a)
                {
                    if (v is not null)
                    {
                        Collect(v, into);
                    }
                }

                break;
        }
    }

    [Fact]
    public void MutatedPresetTexts()
    {
        double rejected = Fuzz.Run("configuration text", Seeds(), 0xC0F1, Cases, Parse, Documented);
        Assert.InRange(rejected, 0.5, 1.0);
    }

    [Fact]
    public void MutatedPresetValues()
    {
        double rejected = Fuzz.Run("configuration values", Seeds(), 0xC0F2, Cases, Parse, Documented, MutateJson);
        Assert.InRange(rejected, 0.3, 1.0);
    }
}
