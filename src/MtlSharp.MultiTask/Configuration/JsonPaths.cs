namespace MtlSharp.MultiTask.Configuration;

/// <summary>Paths of values in a configuration, as shown in messages: <c>tasks[0].kind</c> (the root is empty).</summary>
internal static class JsonPaths
{
    /// <summary>The path of property <paramref name="name"/> of the object at <paramref name="parent"/>.</summary>
    public static string Child(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    /// <summary>The path of item <paramref name="index"/> of the array at <paramref name="parent"/>.</summary>
    public static string Item(string parent, int index) => $"{parent}[{index}]";

    /// <summary>The parent's path ("" for top-level values).</summary>
    public static string Parent(string path)
    {
        int dot = path.LastIndexOf('.');
        int bracket = path.LastIndexOf('[');
        int cut = Math.Max(dot, bracket);
        return cut <= 0 ? string.Empty : path[..cut];
    }

    /// <summary>The path for display ("the configuration" for the root).</summary>
    public static string Show(string path) => path.Length == 0 ? "(top level)" : path;
}
