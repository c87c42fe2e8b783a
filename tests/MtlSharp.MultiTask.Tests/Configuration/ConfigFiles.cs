namespace MtlSharp.MultiTask.Tests.Configuration;

/// <summary>A temporary folder with small CSV files and configurations for the configuration tests.</summary>
internal sealed class ConfigFiles : IDisposable
{
    public ConfigFiles()
    {
        Dir = Path.Combine(Path.GetTempPath(), "mtl-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; }

    public string Write(string name, string text)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>
    /// A two-task table of 40 rows: x (numeric), c (categorical a/b), label y (classes p/q from x), target z (2x + 1
    /// when c = a, else x) with z missing in every row whose index is below 16 (so early batches have no z label).
    /// </summary>
    public string Table(string name = "t.csv", int rows = 40, int missingBelow = 16)
    {
        var lines = new List<string> { "x,c,y,z" };
        for (int i = 0; i < rows; i++)
        {
            double x = (i % 10) - 4.5;
            string c = i % 3 == 0 ? "a" : "b";
            string y = x > 0 ? "p" : "q";
            string z = i < missingBelow ? "" : (c == "a" ? 2 * x + 1 : x).ToString(System.Globalization.CultureInfo.InvariantCulture);
            lines.Add($"{x.ToString(System.Globalization.CultureInfo.InvariantCulture)},{c},{y},{z}");
        }

        return Write(name, string.Join("\n", lines) + "\n");
    }

    /// <summary>A valid configuration over <see cref="Table"/> with <paramref name="extra"/> spliced into the top level.</summary>
    public static string Config(string extra = "", string tasks = """
        { "name": "cls", "kind": "classification", "column": "y" },
        { "name": "reg", "kind": "regression", "column": "z", "metric": "rmse" }
        """, string data = """{ "type": "csv", "path": "t.csv", "split": { "test": 0.25, "valid": 0.25, "seed": 1 } }""") => $$"""
        {
          "name": "tiny",
          "data": {{data}},
          "tasks": [
            {{tasks}}
          ],
          "model": { "type": "routed", "router": "gumbel", "layers": [ { "type": "mlp", "components": 2, "sizes": [8] } ] },
          "methods": { "no-sharing": { "model": { "router": "no-sharing" } }, "shared": { "model": { "router": "shared-bottom" } }, "gumbel": {} },
          "baseline": "no-sharing",
          "optimizer": { "type": "adam", "learningRate": 0.01 },
          "schedule": { "batchSize": 4, "epochs": 3 }{{extra}}
        }
        """;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
