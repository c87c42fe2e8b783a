using System.CommandLine;
using System.Globalization;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// <c>mtl reproduce &lt;preset&gt; --seeds N</c>: every member of the preset's grid (methods × seeds, and ρ and
/// combine modes or training genres) through the one training loop, then the paper-style table. Finished members
/// (their completion marker written) are reused; interrupted ones are resumed from their last checkpoint; the rest
/// are trained. One loop serves both families; only the table differs.
/// </summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var preset = new Argument<string?>("preset") { Description = "Built-in configuration (see 'mtl list'); or give --config.", Arity = ArgumentArity.ZeroOrOne };
        var configFile = new Option<string?>("--config") { Description = "A configuration file: every method of it × seeds, then the table with Δm." };
        var seeds = new Option<int>("--seeds") { Description = "Number of seeds.", DefaultValueFactory = _ => 5 };
        var firstSeed = new Option<int>("--first-seed") { Description = "First seed.", DefaultValueFactory = _ => 0 };
        var methods = new Option<string?>("--methods") { Description = "Comma-separated methods (default: all of the preset's)." };
        var threads = CommonOptions.Threads();
        var output = new Option<string?>("--out") { Description = "Output folder (default: runs/reproduce-<preset>)." };
        var combine = new Option<string>("--combine") { Description = "Routed presets: 'mean', 'sum', or 'both' (every method run both ways).", DefaultValueFactory = _ => "mean" };
        var rhos = new Option<string>("--rho") { Description = "Comma-separated ρ values (synthetic-transfer).", DefaultValueFactory = _ => "0,1" };
        var genres = new Option<string?>("--genres") { Description = "Tagging presets: comma-separated training genres (default: all five)." };
        var tableOnly = new Option<bool>("--table-only") { Description = "Only tabulate the finished runs under --out; train nothing." };
        var cmd = new Command("reproduce", "Run every method × seed of a preset (finished runs reused, interrupted ones resumed) and write table.md/table.json.")
        {
            preset, configFile, seeds, firstSeed, methods, threads, output, combine, rhos, genres, tableOnly,
        };
        var train = TrainCommand.Instance;
        train.Run.AddTo(cmd);
        cmd.SetAction(r =>
        {
            CommonOptions.ApplyThreads(r.GetValue(threads));
            string? file = r.GetValue(configFile);
            if ((file is null) == (r.GetValue(preset) is null))
            {
                throw new UsageException("name a preset or give --config FILE (one of them)");
            }

            var doc = file is not null ? ConfigDocument.Load(file) : BuiltInConfigs.Contains(r.GetValue(preset)!) ? BuiltInConfigs.Load(r.GetValue(preset)!)
                : throw new UsageException($"unknown preset '{r.GetValue(preset)}'; expected one of: {string.Join(", ", BuiltInConfigs.Names)}");
            string p = file is null ? r.GetValue(preset)! : doc.Name;
            train.Run.Validate(r);
            int n = r.GetValue(seeds), first = r.GetValue(firstSeed);
            if (n < 1)
            {
                throw new UsageException($"--seeds must be at least 1, got {n}");
            }

            string outRoot = r.GetValue(output) ?? Path.Combine("runs", $"reproduce-{p}");
            bool paper = file is null && (Names.TaggingPresets.ContainsKey(p) || Names.RoutedPresets.ContainsKey(p));
            bool tagging = paper && Names.TaggingPresets.ContainsKey(p);
            var members = !paper ? ConfigGrid(doc, file, r.GetValue(methods), n, first, outRoot)
                : tagging
                ? TaggingGrid(p, r.GetValue(methods), r.GetValue(genres), n, first, outRoot)
                : RoutedGrid(p, r.GetValue(methods), r.GetValue(combine)!, r.GetValue(rhos)!, n, first, outRoot);
            var finished = new List<(Member Member, RunReport Report)>();
            var session = Cluster.Session;
            for (int k = 0; k < members.Count; k++)
            {
                var m = members[k];
                string label = $"{k + 1}/{members.Count} {m.Label}";
                if (session is { Size: > 1 } && k % session.Size != session.Rank)
                {
                    continue;   // under mpirun the runs are shared out: member k is rank (k mod N)'s
                }

                if (!ExperimentRunner.IsComplete(m.Directory))
                {
                    if (r.GetValue(tableOnly))
                    {
                        Console.WriteLine($"[{label}] not finished yet (left out of the table)");
                        continue;
                    }

                    var args = new List<string>(m.Args);
                    train.Run.CopyExplicit(r, args);
                    bool interrupted = File.Exists(Path.Combine(m.Directory, TrainCommand.RunFile)) && ExperimentRunner.LastCheckpoint(m.Directory) is not null;
                    if (interrupted)
                    {
                        Console.WriteLine($"[{label}] resuming the interrupted run in {m.Directory}");
                    }

                    if (!interrupted && file is not null)
                    {
                        // The member's own copy of the configuration (its run.json points at it).
                        Directory.CreateDirectory(m.Directory);
                        MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(Path.Combine(m.Directory, TrainCommand.ConfigFile), new System.Text.UTF8Encoding(false).GetBytes(doc.Text));
                    }

                    int code = interrupted ? train.Resume(m.Directory, label, dataParallel: false) : train.RunFresh(args, m.Directory, label, dataParallel: false);
                    if (code != 0)
                    {
                        return code;
                    }
                }
                else
                {
                    Console.WriteLine($"[{label}] using the finished run in {m.Directory}");
                }

                finished.Add((m, RunReportJson.Load(Path.Combine(m.Directory, "report.json"))));
            }

            if (session is { Size: > 1 })
            {
                finished = Gather(session, members, finished);
                if (!session.IsRoot)
                {
                    return 0;   // rank 0 writes the table
                }
            }

            if (finished.Count == 0)
            {
                throw new UsageException($"no finished runs under '{outRoot}' for these methods and seeds");
            }

            Directory.CreateDirectory(outRoot);
            Console.WriteLine();
            if (!paper)
            {
                string md = ConfigTable.Save(outRoot, p, finished.Select(f => f.Report).ToArray(), doc.Baseline);
                Console.WriteLine(md);
                Console.WriteLine($"wrote {Path.Combine(outRoot, "table.md")} and table.json");
                return 0;
            }

            // Δm of every variant (training genre, ρ, combine) against the preset's baseline method, after the paper's table.
            var gains = new System.Text.StringBuilder();
            foreach (var group in finished.GroupBy(f => f.Member.Variant))
            {
                // Taggers report the main task per test genre too (DEPREL@genre); Δm is over the configured tasks only.
                var reports = group.Select(f => f.Report with { Tasks = f.Report.Tasks.Where(t => !t.Name.Contains('@', StringComparison.Ordinal)).ToArray() }).ToArray();
                gains.Append('\n').Append(ConfigTable.ToMarkdown(group.Key.Length > 0 ? $"{p} ({group.Key})" : p, reports, doc.Baseline));
            }

            if (tagging)
            {
                string md = TaggingTable.ToMarkdown(p, finished.Select(f => f.Report).ToArray()) + gains;
                MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(Path.Combine(outRoot, "table.md"), new System.Text.UTF8Encoding(false).GetBytes(md));
                Console.WriteLine(md);
                Console.WriteLine($"wrote {Path.Combine(outRoot, "table.md")}");
            }
            else
            {
                var rows = ReproductionTable.Aggregate(finished.Select(f => (f.Member.Variant, f.Report)), ExpectedGroups(Names.RoutedPresets[p]));
                ReproductionTable.Save(outRoot, p, rows);
                File.AppendAllText(Path.Combine(outRoot, "table.md"), gains.ToString());
                Console.WriteLine(ReproductionTable.ToMarkdown(p, rows) + gains);
                Console.WriteLine($"wrote {Path.Combine(outRoot, "table.md")} and table.json");
            }

            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// The end of a shared sweep: every process sends rank 0 the reports of its finished members (waiting, without a
    /// time limit, for the slowest); rank 0 writes any report it lacks into the member's folder (nodes without a shared
    /// file system) and gets every finished member in grid order.
    /// </summary>
    private static List<(Member Member, RunReport Report)> Gather(MtlSharp.Distributed.MpiSession session, List<Member> members, List<(Member Member, RunReport Report)> mine)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            foreach (var (m, _) in mine)
            {
                w.Write(members.IndexOf(m));
                byte[] json = File.ReadAllBytes(Path.Combine(m.Directory, "report.json"));
                w.Write(json.Length);
                w.Write(json);
            }
        }

        session.WaitForAll();
        var all = session.AllgatherVariable(stream.ToArray(), "the gathering of the sweep's reports");
        var reports = new SortedDictionary<int, RunReport>();
        foreach (byte[] part in session.IsRoot ? all : [])
        {
            using var r = new BinaryReader(new MemoryStream(part));
            while (r.BaseStream.Position < r.BaseStream.Length)
            {
                int k = r.ReadInt32();
                byte[] json = r.ReadBytes(r.ReadInt32());
                string path = Path.Combine(members[k].Directory, "report.json");
                if (!File.Exists(path))
                {
                    Directory.CreateDirectory(members[k].Directory);
                    MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(path, json);
                }

                reports[k] = RunReportJson.Load(path);
            }
        }

        return [.. reports.Select(kv => (members[kv.Key], kv.Value))];
    }

    private static List<Member> RoutedGrid(string preset, string? methods, string combineArg, string rhoArg, int n, int first, string outRoot)
    {
        var p = Names.RoutedPresets[preset];
        string[] ms = methods is { } list ? Split(list).Select(x => GumbelExperiments.Name(Names.Parse(Names.RoutedMethods, x, "method"))).ToArray()
            : GumbelExperiments.MethodsOf(p).Select(GumbelExperiments.Name).ToArray();
        foreach (string m in ms)
        {
            if (!GumbelExperiments.MethodsOf(p).Select(GumbelExperiments.Name).Contains(m))
            {
                throw new UsageException($"preset {preset} has no method '{m}'; it has {string.Join(", ", GumbelExperiments.MethodsOf(p).Select(GumbelExperiments.Name))}");
            }
        }

        string[] combines = combineArg == "both" ? [.. Names.Combines.Keys] : [GumbelName(Names.Parse(Names.Combines, combineArg, "combine mode"))];
        double[] rhos = p == PresetId.SyntheticTransfer
            ? Split(rhoArg).Select(x => double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : throw new UsageException($"--rho: '{x}' is not a number")).ToArray()
            : [1.0];
        var members = new List<Member>();
        foreach (double rho in rhos)
        {
            foreach (string c in combines)
            {
                foreach (string m in ms)
                {
                    for (int s = first; s < first + n; s++)
                    {
                        string variant = string.Join(",", new[]
                        {
                            rhos.Length > 1 ? string.Create(CultureInfo.InvariantCulture, $"rho={rho}") : null,
                            combines.Length > 1 || c != "mean" ? $"combine={c}" : null,
                        }.OfType<string>());
                        string dir = Path.Combine(outRoot, $"{m}{(variant.Length > 0 ? "-" + variant.Replace("=", "", StringComparison.Ordinal).Replace(',', '-') : "")}-s{s}");
                        string[] args = ["--preset", preset, "--method", m, "--seed", s.ToString(CultureInfo.InvariantCulture), "--out", Path.GetFullPath(dir),
                            "--combine", c, "--rho", rho.ToString("R", CultureInfo.InvariantCulture)];
                        members.Add(new Member($"{m} {variant} seed {s}", dir, args, variant));
                    }
                }
            }
        }

        return members;
    }

    private static List<Member> ConfigGrid(ConfigDocument doc, string? file, string? methods, int n, int first, string outRoot)
    {
        var all = doc.Methods.Count > 0 ? doc.Methods : [ConfigDocument.NoMethod];
        string[] ms = methods is { } list ? Split(list).ToArray() : [.. all];
        foreach (string m in ms)
        {
            if (!all.Contains(m))
            {
                throw new UsageException($"{doc.Name} has no method '{m}'; it has {string.Join(", ", all)}");
            }
        }

        var members = new List<Member>();
        foreach (string m in ms)
        {
            for (int s = first; s < first + n; s++)
            {
                string dir = Path.Combine(outRoot, $"{m}-s{s}");
                string[] source = file is null ? ["--preset", doc.Name] : ["--config", Path.GetFullPath(Path.Combine(dir, TrainCommand.ConfigFile))];
                string[] args = [.. source, "--method", m, "--seed", s.ToString(CultureInfo.InvariantCulture), "--out", Path.GetFullPath(dir)];
                members.Add(new Member($"{m} seed {s}", dir, args, string.Empty));
            }
        }

        return members;
    }

    private static string GumbelName(MtlSharp.MultiTask.Models.Routing.CombineMode c) => Names.Combines.First(kv => kv.Value == c).Key;

    private static List<Member> TaggingGrid(string preset, string? methods, string? genres, int n, int first, string outRoot)
    {
        string[] ms = methods is { } list ? Split(list).Select(x => TaggingExperiments.Name(Names.Parse(Names.TaggingMethods, x, "tagging method"))).ToArray()
            : TaggingExperiments.Methods.Select(TaggingExperiments.Name).ToArray();
        string[] gs = genres is { } g ? Split(g).ToArray() : [.. UdEnglishEwt.Genres];
        foreach (string genre in gs)
        {
            if (!UdEnglishEwt.Genres.Contains(genre) && genre != MtlSharp.MultiTask.Tasks.EwtCorpus.AllGenres)
            {
                throw new UsageException($"unknown genre '{genre}'; expected one of: {string.Join(", ", UdEnglishEwt.Genres)}, {MtlSharp.MultiTask.Tasks.EwtCorpus.AllGenres}");
            }
        }

        var members = new List<Member>();
        foreach (string genre in gs)
        {
            foreach (string m in ms)
            {
                for (int s = first; s < first + n; s++)
                {
                    string dir = Path.Combine(outRoot, genre, $"{m}-s{s}");
                    string[] args = ["--preset", preset, "--method", m, "--seed", s.ToString(CultureInfo.InvariantCulture), "--out", Path.GetFullPath(dir), "--genre", genre];
                    members.Add(new Member($"{genre} {m} seed {s}", dir, args, genre));
                }
            }
        }

        return members;
    }

    /// <summary>Tasks that should end with the same allocation: the related pairs / the copies of a dataset.</summary>
    private static IReadOnlyList<int[]> ExpectedGroups(PresetId p) => p switch
    {
        PresetId.SyntheticGumbel or PresetId.Mnist4 => [[0, 1], [2, 3]],
        _ => [[0, 1]],
    };

    private static IEnumerable<string> Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private sealed record Member(string Label, string Directory, string[] Args, string Variant);
}
