using System.CommandLine;
using MtlSharp.MultiTask.Configuration;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// <c>mtl config show NAME</c> prints a built-in configuration for a user to copy and edit;
/// <c>mtl config check FILE</c> validates a configuration file (every method) without training;
/// <c>mtl config schema</c> prints the JSON Schema.
/// </summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("preset") { Description = "A built-in configuration (see 'mtl list')." };
        var show = new Command("show", "Print a built-in configuration (JSON) to copy and edit.") { name };
        show.SetAction(r =>
        {
            string n = r.GetValue(name)!;
            if (!BuiltInConfigs.Contains(n))
            {
                throw new UsageException($"unknown preset '{n}'; expected one of: {string.Join(", ", BuiltInConfigs.Names)}");
            }

            Console.Write(BuiltInConfigs.Text(n));
            return 0;
        });

        var file = new Argument<string>("file") { Description = "A configuration file." };
        var data = CommonOptions.Data();
        var check = new Command("check", "Validate a configuration file and every method in it (and, with --data, that its data files exist); trains nothing.") { file, data };
        check.SetAction(r =>
        {
            var doc = ConfigDocument.Load(r.GetValue(file)!);
            bool files = r.GetResult(data) is System.CommandLine.Parsing.OptionResult { Implicit: false };
            var methods = doc.Methods.Count > 0 ? doc.Methods : [ConfigDocument.NoMethod];
            foreach (string m in methods)
            {
                var c = files ? doc.Resolve(m, null, r.GetValue(data)) : null;
                Console.WriteLine($"  {m}: ok{(c is null ? "" : $" ({c.Tasks.Count} tasks)")}");
            }

            Console.WriteLine($"{doc.Source}: valid ({methods.Count} method{(methods.Count == 1 ? "" : "s")}; default {doc.DefaultMethod})");
            return 0;
        });

        var schema = new Command("schema", "Print the configuration JSON Schema.");
        schema.SetAction(_ =>
        {
            Console.Write(ConfigDocument.SchemaText);
            return 0;
        });
        return new Command("config", "Show, check and describe configuration files.") { show, check, schema };
    }
}
