namespace MtlSharp.Cli;

/// <summary>The <c>mtl</c> command.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("mtl: commands are not wired yet.");
        return args.Length == 0 ? 1 : 2;
    }
}
