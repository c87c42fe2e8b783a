using System.CommandLine;
using System.Globalization;
using MtlSharp.MultiTask.Analysis.Grouping;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// <c>mtl group --config FILE --budget N [--method standley|tag|gumbel] [--train]</c>: which of a configuration's
/// tasks to train together. Scores candidate groups with the method, chooses at most N networks (every task served by
/// the best chosen network that contains it), prints them with predicted and (with --train) measured performance, and
/// writes grouping.json and grouping.html (plus every run's report) into --out.
/// </summary>
internal static class GroupCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "A configuration file (its tasks are grouped; its model is the network every group trains)." };
        var preset = new Option<string?>("--preset") { Description = "A built-in configuration instead of --config (see 'mtl list')." };
        var runMethod = new Option<string?>("--run-method") { Description = "The configuration's method to train (default: its default method; use a shared network, e.g. shared-bottom)." };
        var budget = new Option<int>("--budget") { Description = "At most this many networks.", Required = true };
        var method = new Option<string>("--method") { Description = "standley (train singles and pairs, estimate larger groups from pairs), tag (one run measuring lookahead affinity), gumbel (one Gumbel-Matrix run; allocation-embedding similarity) or transfer (a network per task, every other task's head trained on its frozen features: Taskonomy-style transfer gains; routed, expert and tagger models).", DefaultValueFactory = _ => "standley" };
        var train = new Option<bool>("--train") { Description = "Train the chosen networks, all tasks in one network and every task alone, and print their test metrics." };
        var order = new Option<int>("--order") { Description = "standley: train every group of up to this many tasks (default 2: singles and pairs); larger groups are estimated from pairs.", DefaultValueFactory = _ => 2 };
        var every = new Option<long>("--affinity-every") { Description = "tag: measure the lookahead affinity every N updates (default 5).", DefaultValueFactory = _ => 5 };
        var fraction = new Option<double>("--fraction") { Description = "transfer: the share of each target task's training examples (taggers: training sentences) its head is trained on over a source's frozen network (default 0.1).", DefaultValueFactory = _ => 0.1 };
        var seed = new Option<int>("--seed") { Description = "Seed of every run.", DefaultValueFactory = _ => 0 };
        var scale = CommonOptions.Scale();
        var data = CommonOptions.Data();
        var threads = CommonOptions.Threads();
        var output = new Option<string?>("--out") { Description = "Output folder (default: runs/group-<name>-<method>-s<seed>)." };
        var command = new Command("group", "Which tasks to train together: choose at most N networks by Standley et al.'s pairwise training, TAG's lookahead affinity, Gumbel-Matrix allocations or transfer gains.")
        {
            config, preset, runMethod, budget, method, train, order, every, fraction, seed, scale, data, threads, output,
        };
        command.SetAction(r =>
        {
            CommonOptions.ApplyThreads(r.GetValue(threads));
            var doc = (r.GetValue(config), r.GetValue(preset)) switch
            {
                ({ } file, null) => ConfigDocument.Load(file),
                (null, { } p) => BuiltInConfigs.Contains(p) ? BuiltInConfigs.Load(p) : throw new UsageException($"unknown preset '{p}'; expected one of: {string.Join(", ", BuiltInConfigs.Names)}"),
                (null, null) => throw new UsageException("give the tasks to group: --config FILE or --preset NAME"),
                _ => throw new UsageException("--config and --preset are exclusive"),
            };
            string? m = r.GetValue(runMethod);
            if (m is not null && !(doc.Methods.Count > 0 ? doc.Methods : [ConfigDocument.NoMethod]).Contains(m))
            {
                throw new UsageException($"unknown method '{m}' for {doc.Name}; expected one of: {string.Join(", ", doc.Methods)}");
            }

            var kind = Names.Parse(Names.GroupingMethods, r.GetValue(method)!, "grouping method");
            int n = r.GetValue(budget);
            if (n < 1 || r.GetValue(order) < 1 || r.GetValue(every) < 1)
            {
                throw new UsageException("--budget, --order and --affinity-every must be at least 1");
            }

            double share = r.GetValue(fraction);
            if (!(share > 0 && share <= 1))
            {
                throw new UsageException($"--fraction must be in (0, 1], got {share.ToString(CultureInfo.InvariantCulture)}");
            }

            double s = r.GetValue(scale);
            if (!(s > 0) || double.IsInfinity(s))
            {
                throw new UsageException($"--scale must be a positive number, got {s.ToString(CultureInfo.InvariantCulture)}");
            }

            var resolved = doc.Resolve(m, null, r.GetValue(data));
            string name = r.GetValue(method)!;
            string outDir = r.GetValue(output) ?? Path.Combine("runs", $"group-{resolved.Name}-{name}-s{r.GetValue(seed)}");
            Directory.CreateDirectory(outDir);
            GroupingStudy study;
            try
            {
                study = GroupingRunner.Run(resolved, new GroupingOptions
                {
                    Method = kind,
                    Budget = n,
                    Seed = r.GetValue(seed),
                    Scale = s,
                    MaxOrder = r.GetValue(order),
                    AffinityEvery = r.GetValue(every),
                    TransferFraction = share,
                    Train = r.GetValue(train),
                    OutputDirectory = outDir,
                    Log = line => Console.WriteLine("  " + line),
                });
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{doc.Source}: {e.Message}", e);
            }

            GroupingReportWriter.Save(study, outDir, resolved.Name);
            Print(study, outDir);
            return 0;
        });
        return command;
    }

    private static void Print(GroupingStudy study, string outDir)
    {
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ci, $"{study.Grouping.Networks.Count} network(s) by {study.Method.ToString().ToLowerInvariant()} ({(study.Grouping.Exact ? "exact" : "greedy")}; predicted total {study.Grouping.Total:G5}; {study.MethodSeconds:F1} s of training to choose):"));
        foreach (var nw in study.Grouping.Networks)
        {
            string trained = string.Join(", ", nw.Trained.Select(t => study.Tasks[t]));
            string serves = string.Join(", ", nw.Serves.Select(t => study.Tasks[t]));
            Console.WriteLine($"  train {{{trained}}}{(nw.Trained.Length != nw.Serves.Length ? $", serving {{{serves}}}" : "")}");
        }

        Console.WriteLine($"  {"task",-20} {"metric",-8}{(study.Predicted is null ? "" : $" {"predicted",10}")}{(study.Measured is null ? "" : $" {"measured",10}")}{(study.AllInOne is null ? "" : $" {"all-in-one",10}")}{(study.AllSeparate is null ? "" : $" {"separate",10}")}");
        for (int t = 0; t < study.Tasks.Count; t++)
        {
            string Col(double[]? v) => v is null ? "" : " " + v[t].ToString("G5", ci).PadLeft(10);
            Console.WriteLine($"  {study.Tasks[t],-20} {study.Metrics[t],-8}{Col(study.Predicted)}{Col(study.Measured)}{Col(study.AllInOne)}{Col(study.AllSeparate)}");
        }

        if (study.Transfer is { } tr)
        {
            Console.WriteLine(string.Create(ci, $"  transfer (heads on {100 * tr.Fraction:G4}% of the target's examples over a source's frozen network; gain % against the target from scratch):"));
            for (int i = 0; i < study.Tasks.Count; i++)
            {
                string ranked = string.Join(", ", tr.Ranking[i].Select(j => string.Create(ci, $"{study.Tasks[j]} {tr.Gain[j][i]:+0.0;-0.0}")));
                Console.WriteLine(string.Create(ci, $"    {study.Tasks[i],-18} scratch {tr.Scratch[i],10:G5}   sources: {ranked}"));
            }

            Console.WriteLine("  transfer test metric, source (row) → target (column):");
            Console.WriteLine($"    {"",-18}" + string.Concat(study.Tasks.Select(t => " " + Fit(t).PadLeft(10))));
            for (int j = 0; j < study.Tasks.Count; j++)
            {
                Console.WriteLine($"    {study.Tasks[j],-18}" + string.Concat(tr.Test[j].Select(v => " " + v.ToString("G5", ci).PadLeft(10))));
            }

            Console.WriteLine($"    {"scratch",-18}" + string.Concat(tr.Scratch.Select(v => " " + v.ToString("G5", ci).PadLeft(10))));
        }

        if (study.Measured is { } measured)
        {
            string Mean(double[]? v) => v is null ? "-" : v.Average().ToString("G5", ci);
            Console.WriteLine($"  mean test: grouping {Mean(measured)}, all-in-one {Mean(study.AllInOne)}, all-separate {Mean(study.AllSeparate)}");
        }

        Console.WriteLine($"  wrote {Path.Combine(outDir, "grouping.json")} and grouping.html");
    }

    /// <summary>A column heading of at most 10 characters.</summary>
    private static string Fit(string name) => name.Length <= 10 ? name : name[..10];
}
