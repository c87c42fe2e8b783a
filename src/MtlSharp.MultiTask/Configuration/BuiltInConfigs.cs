namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// The configurations shipped with MtlSharp (<c>mtl list</c>, <c>mtl train --preset NAME</c>,
/// <c>mtl config show NAME</c>): JSON files in <c>Configuration/Presets/</c>, embedded in this assembly. A new preset
/// is one JSON file there plus one line in <see cref="Names"/>.
/// </summary>
public static class BuiltInConfigs
{
    /// <summary>The preset names, in listing order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "synthetic-transfer",
        "synthetic-gumbel",
        "mnist4",
        "multimnist",
        "multifashion",
        "multifashion-mnist",
        "ewt-domains",
        "ewt-domains-xpos",
        "ewt-genre",
        "multimodal",
        "income",
        "boys",
        "olive",
        "yeast",
        "omniglot",
        "omniglot-cpu",
        "clusters",
    ];

    /// <summary>Whether <paramref name="name"/> is a preset.</summary>
    public static bool Contains(string name) => Names.Contains(name);

    /// <summary>The text of preset <paramref name="name"/>.</summary>
    public static string Text(string name)
    {
        if (!Contains(name))
        {
            throw new ArgumentException($"unknown preset '{name}'; expected one of: {string.Join(", ", Names)}");
        }

        using var s = typeof(BuiltInConfigs).Assembly.GetManifestResourceStream($"MtlSharp.MultiTask.Configuration.Presets.{name}.json")
            ?? throw new InvalidOperationException($"Preset '{name}' is listed but not embedded.");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>The parsed, checked preset <paramref name="name"/>.</summary>
    public static ConfigDocument Load(string name) => ConfigDocument.Parse(Text(name), $"preset:{name}");
}
