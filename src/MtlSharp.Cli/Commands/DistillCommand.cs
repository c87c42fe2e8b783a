using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Distillation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.NN.Checkpoints;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// <c>mtl distill</c>: knowledge distillation between single-task and multi-task models, through the one training loop.
/// <list type="bullet">
/// <item><c>--teachers DIR…</c> (or <c>--train-teachers</c>): single-task teachers → one multi-task student (Hinton et
/// al. 2015; <see cref="Distiller"/>). A DIR is a run folder of <c>mtl train</c> (its best, else last checkpoint) or a
/// checkpoint folder; each of the student's tasks is matched by name to the one teacher that has it (one run of the
/// configuration's single-task method holds a network per task and teaches them all).</item>
/// <item><c>--distral</c>: Distral (Teh et al. 2017, <see cref="DistralModel"/>): the configuration's single-task
/// method's networks as task models and the <c>--method</c> network as the shared model, trained jointly.</item>
/// </list>
/// Every other option is <c>mtl train</c>'s (<c>--config</c>/<c>--preset</c>, <c>--method</c>, <c>--seed</c>,
/// <c>--scale</c>, strategies …). The runs go into OUT/teachers, OUT/student or OUT/distral.
/// </summary>
internal static class DistillCommand
{
    /// <summary>The file that marks a run folder as trained by <c>mtl distill</c> (holds its command line).</summary>
    public const string MarkerFile = "distill.json";

    public static Command Create()
    {
        var teachers = new Option<string[]>("--teachers") { Description = "Teacher run folders (of 'mtl train') or checkpoint folders; each student task is matched by name to the one teacher that has it.", AllowMultipleArgumentsPerToken = true };
        var trainTeachers = new Option<bool>("--train-teachers") { Description = "Train the teachers first: the configuration's single-task method (its \"baseline\"), with the same options, into OUT/teachers." };
        var temperature = new Option<string?>("--temperature") { Description = $"Softmax temperature T of the soft targets: one number for every task, or TASK=T,… (default {SoftTargetSettings.DefaultTemperature.ToString(CultureInfo.InvariantCulture)})." };
        var alpha = new Option<string?>("--alpha") { Description = $"λ, the soft targets' share of each task loss, (1−λ)·hard + λ·T²·KL: one number or TASK=λ,… (default {SoftTargetSettings.DefaultAlpha.ToString(CultureInfo.InvariantCulture)}; 0 = plain multi-task training)." };
        var distral = new Option<bool>("--distral") { Description = "Distral instead of teachers: task models (the single-task method) pulled towards a shared model (--method) by KL, the shared model distilled from them, in one run." };
        var beta = new Option<float>("--beta") { Description = "Distral: β, the weight of KL(task ‖ shared) on the task models (default 0.5).", DefaultValueFactory = _ => 0.5f };
        var output = new Option<string?>("--out") { Description = "Output folder (default runs/distill-<preset>-s<seed>): OUT/teachers, OUT/student, OUT/distral." };
        var threads = CommonOptions.Threads();
        var command = new Command("distill", "Distil single-task teachers into a multi-task student (soft targets, per-task temperature), or train Distral; other options as for 'mtl train'.")
        {
            teachers, trainTeachers, temperature, alpha, distral, beta, output, threads,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(r =>
        {
            CommonOptions.ApplyThreads(r.GetValue(threads));
            // --teachers takes every following token up to the next option of its own command; options of 'mtl train'
            // are unknown here, so they (and what follows them) are given back to the run's command line.
            var teacherTokens = r.GetValue(teachers) ?? [];
            int cut = Array.FindIndex(teacherTokens, t => t.StartsWith("--", StringComparison.Ordinal));
            string[] rest = cut < 0 ? [.. r.UnmatchedTokens] : [.. r.UnmatchedTokens, .. teacherTokens[cut..]];
            string[] teacherDirs = cut < 0 ? teacherTokens : teacherTokens[..cut];
            foreach (string own in new[] { "--out", "--resume" })
            {
                if (rest.Contains(own))
                {
                    throw new UsageException(own == "--out" ? "--out must come once, for mtl distill" : "mtl distill runs are not resumable; start them again");
                }
            }

            var train = TrainCommand.Instance;
            var parsed = Parse(rest);
            var (doc, config) = train.Resolve(parsed);
            int seed = Seed(rest);
            string outDir = r.GetValue(output) ?? Path.Combine("runs", $"distill-{config.Name}-s{seed}");
            // Only --train-teachers and --distral train single-task networks; given teachers need no baseline method.
            string Baseline() => doc.Baseline ?? throw new UsageException($"{doc.Name} names no single-task method (\"baseline\") to train the teachers or Distral's task models with");
            bool given = teacherDirs.Length > 0;
            if (r.GetValue(distral))
            {
                if (given || r.GetValue(trainTeachers) || r.GetValue(temperature) is not null || r.GetValue(alpha) is not null)
                {
                    throw new UsageException("--distral trains its own task models: --teachers, --train-teachers, --temperature and --alpha do not apply");
                }

                string baseline = Baseline();
                if (config.Method == baseline)
                {
                    throw new UsageException($"--distral: the shared model is the --method network; choose a multi-task method, not the single-task '{baseline}'");
                }

                // The shared model: its own draws (another seed), the same data.
                var sharedPlan = train.BuildPlan(Parse(With(rest, "--seed", (seed + 7919).ToString(CultureInfo.InvariantCulture))));
                string dir = Path.Combine(outDir, "distral");
                Mark(dir, r);
                float b = r.GetValue(beta);
                return train.RunFresh([.. With(rest, "--method", baseline), "--out", Path.GetFullPath(dir)], dir, $"distral seed {seed}", dataParallel: false,
                    adjust: plan => Distral(plan, sharedPlan, b));
            }

            if (r.GetValue(beta) != 0.5f && r.GetResult(beta) is System.CommandLine.Parsing.OptionResult { Implicit: false })
            {
                throw new UsageException("--beta applies to --distral only");
            }

            var dirs = teacherDirs;
            if (r.GetValue(trainTeachers))
            {
                if (given)
                {
                    throw new UsageException("--teachers and --train-teachers are exclusive: give the teachers or train them");
                }

                string baseline = Baseline();
                string teacherDir = Path.Combine(outDir, "teachers");
                int rc = train.RunFresh([.. With(rest, "--method", baseline), "--out", Path.GetFullPath(teacherDir)], teacherDir, $"teachers ({baseline}) seed {seed}", dataParallel: false);
                if (rc != 0)
                {
                    return rc;
                }

                dirs = [teacherDir];
            }
            else if (!given)
            {
                throw new UsageException("give the teachers (--teachers DIR…), train them (--train-teachers) or use --distral");
            }

            var loaded = dirs.Select(LoadTeacher).ToArray();
            string studentDir = Path.Combine(outDir, "student");
            Mark(studentDir, r);
            var temperatures = r.GetValue(temperature);
            var alphas = r.GetValue(alpha);
            int code = train.RunFresh([.. rest, "--out", Path.GetFullPath(studentDir)], studentDir, $"student ({config.Method}) seed {seed}", dataParallel: false,
                adjust: plan => Student(plan, loaded, temperatures, alphas));
            PrintTeachers(loaded);
            return code;
        });
        return command;
    }

    /// <summary>A teacher: its folder, the plan its checkpoint was trained with, and the trained model.</summary>
    internal sealed record Teacher(string Directory, string Checkpoint, IReadOnlyList<TaskInfo> Tasks, IMultiTaskModel Model);

    /// <summary>Loads the teacher in <paramref name="dir"/>: a run folder's best (else last) checkpoint, or a checkpoint folder.</summary>
    internal static Teacher LoadTeacher(string dir)
    {
        string ckpt = CheckpointFolder.Resolve(dir)
            ?? CheckpointFolder.Resolve(Path.Combine(dir, "checkpoints", "best"))
            ?? CheckpointFolder.Resolve(Path.Combine(dir, "checkpoints", "last"))
            ?? throw new FileNotFoundException($"--teachers '{dir}': no checkpoint there (expected a run folder of 'mtl train' with checkpoints/best or checkpoints/last, or a checkpoint folder with {MtlSharp.NN.Checkpoints.Checkpoint.MetadataFile}).");
        var meta = MtlSharp.NN.Checkpoints.Checkpoint.ReadMetadata(ckpt);
        string[] args = EvalCommand.StoredArgs(meta, ckpt);
        var train = TrainCommand.Instance;
        var plan = train.BuildPlan(train.ParseStored(args, Path.Combine(ckpt, MtlSharp.NN.Checkpoints.Checkpoint.MetadataFile)));
        string weights = Path.Combine(ckpt, MtlSharp.NN.Checkpoints.Checkpoint.ModelFile);
        MtlSharp.NN.Checkpoints.Checkpoint.LoadModel(plan.Model.Module, SafeTensors.Read(weights), strict: true, source: weights);
        return new Teacher(dir, ckpt, plan.Data.Tasks, plan.Model);
    }

    /// <summary>
    /// The teacher of each of <paramref name="tasks"/>: the one loaded teacher with a task of the same name, kind and
    /// output count (a clear error for a task without one, with two, with a mismatching one, and for a teacher that
    /// teaches nothing).
    /// </summary>
    internal static FrozenTeacher[] Match(IReadOnlyList<TaskInfo> tasks, IReadOnlyList<Teacher> teachers)
    {
        var result = new FrozenTeacher[tasks.Count];
        for (int t = 0; t < tasks.Count; t++)
        {
            var task = tasks[t];
            var found = teachers.SelectMany(k => k.Tasks.Select((info, j) => (Teacher: k, Info: info, Index: j))).Where(c => c.Info.Name == task.Name).ToArray();
            if (found.Length == 0)
            {
                throw new InvalidDataException($"task '{task.Name}' has no teacher: none of {string.Join(", ", teachers.Select(k => $"{k.Directory} (tasks {string.Join(", ", k.Tasks.Select(i => i.Name))})"))} has a task of that name.");
            }

            if (found.Length > 1)
            {
                throw new InvalidDataException($"task '{task.Name}' has {found.Length} teachers ({string.Join(", ", found.Select(c => c.Teacher.Directory))}); give one.");
            }

            var (teacher, info, index) = found[0];
            if (info.Kind != task.Kind || info.Outputs != task.Outputs)
            {
                throw new InvalidDataException($"{teacher.Directory}: its task '{info.Name}' is {Describe(info)}, the student's is {Describe(task)}.");
            }

            result[t] = new FrozenTeacher(teacher.Model, index);
        }

        if (teachers.FirstOrDefault(k => !k.Tasks.Any(i => tasks.Any(s => s.Name == i.Name))) is { } idle)
        {
            throw new InvalidDataException($"{idle.Directory}: teaches none of the student's tasks ({string.Join(", ", tasks.Select(s => s.Name))}); its tasks are {string.Join(", ", idle.Tasks.Select(i => i.Name))}.");
        }

        return result;
    }

    /// <summary>Per-task settings from the command line's λ and T (one number, or TASK=value pairs).</summary>
    internal static SoftTargetSettings[] Settings(IReadOnlyList<TaskInfo> tasks, string? temperatures, string? alphas)
    {
        var t = PerTask(tasks, temperatures, "--temperature", SoftTargetSettings.DefaultTemperature);
        var a = PerTask(tasks, alphas, "--alpha", SoftTargetSettings.DefaultAlpha);
        var result = new SoftTargetSettings[tasks.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = new SoftTargetSettings(a[i], t[i]);
            try
            {
                result[i].Validate(tasks[i].Name);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
        }

        return result;
    }

    private static float[] PerTask(IReadOnlyList<TaskInfo> tasks, string? text, string option, float fallback)
    {
        var values = Enumerable.Repeat(fallback, tasks.Count).ToArray();
        if (string.IsNullOrWhiteSpace(text))
        {
            return values;
        }

        var ci = CultureInfo.InvariantCulture;
        if (!text.Contains('=', StringComparison.Ordinal))
        {
            return float.TryParse(text, NumberStyles.Float, ci, out float all)
                ? Enumerable.Repeat(all, tasks.Count).ToArray()
                : throw new UsageException($"{option} '{text}': expected a number or TASK=value,…");
        }

        foreach (string pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] kv = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            int at = kv.Length == 2 ? tasks.Select(x => x.Name).ToList().IndexOf(kv[0]) : -1;
            if (kv.Length != 2 || !float.TryParse(kv[1], NumberStyles.Float, ci, out float v))
            {
                throw new UsageException($"{option}: '{pair}' is not TASK=value");
            }

            if (at < 0)
            {
                throw new UsageException($"{option}: no task '{kv[0]}'; the tasks are {string.Join(", ", tasks.Select(x => x.Name))}");
            }

            values[at] = v;
        }

        return values;
    }

    private static RunPlan Student(RunPlan plan, IReadOnlyList<Teacher> teachers, string? temperatures, string? alphas)
    {
        var tasks = plan.Data.Tasks;
        var settings = Settings(tasks, temperatures, alphas);
        var distiller = new Distiller(tasks, Match(tasks, teachers), settings);
        var ci = CultureInfo.InvariantCulture;
        var configuration = new Dictionary<string, string>(plan.Configuration)
        {
            ["distillation"] = string.Join("; ", tasks.Select((t, i) => string.Create(ci, $"{t.Name}: λ {settings[i].Alpha:G3}, T {settings[i].Temperature:G3}"))),
            ["teachers"] = string.Join(", ", teachers.Select(k => k.Checkpoint)),
        };
        return plan with { Options = plan.Options with { Distillation = distiller }, Configuration = configuration };
    }

    private static RunPlan Distral(RunPlan plan, RunPlan shared, float beta)
    {
        var tasks = plan.Data.Tasks;
        if (!shared.Data.Tasks.Select(t => (t.Name, t.Kind, t.Outputs)).SequenceEqual(tasks.Select(t => (t.Name, t.Kind, t.Outputs))))
        {
            throw new InvalidDataException("Distral: the shared model's tasks differ from the task models'.");
        }

        var model = new DistralModel(plan.Model, shared.Model, tasks, beta);
        var o = plan.Options;
        var schedules = o.Schedules is null && shared.Options.Schedules is null
            ? null
            : (IReadOnlyList<MtlSharp.NN.Optim.ILearningRateSchedule?>)[.. o.Schedules ?? new MtlSharp.NN.Optim.ILearningRateSchedule?[o.Optimizers.Count], .. shared.Options.Schedules ?? new MtlSharp.NN.Optim.ILearningRateSchedule?[shared.Options.Optimizers.Count]];
        var configuration = new Dictionary<string, string>(plan.Configuration)
        {
            ["distral"] = string.Create(CultureInfo.InvariantCulture, $"task models {plan.Method}, shared model {shared.Method}, β {beta:G3}"),
        };
        // The report also holds what the shared model learned: its test metric per task, and the last KL terms.
        Func<MtlSharp.MultiTask.Training.TrainingOutcome, RunReport> report = outcome =>
        {
            var built = plan.BuildReport(outcome);
            var ci = CultureInfo.InvariantCulture;
            double[] test = plan.Evaluator.Evaluate(shared.Model, MtlSharp.MultiTask.Evaluation.EvaluationSplit.Test);
            var env = new Dictionary<string, string>(built.Environment);
            for (int t = 0; t < tasks.Count; t++)
            {
                env[$"distral.shared.test.{tasks[t].Name}"] = test[t].ToString("G6", ci);
                env[$"distral.kl.{tasks[t].Name}"] = model.LastKl[t].ToString("G6", ci);
            }

            return built with { Environment = env };
        };
        return plan with
        {
            Model = model,
            Method = "distral",
            BuildReport = report,
            Options = o with { Optimizers = [.. o.Optimizers, .. shared.Options.Optimizers], Schedules = schedules },
            Configuration = configuration,
        };
    }

    private static void PrintTeachers(IReadOnlyList<Teacher> teachers)
    {
        var ci = CultureInfo.InvariantCulture;
        foreach (var k in teachers)
        {
            // A run folder's report has its test metrics; a bare checkpoint folder has none to print.
            string report = Path.Combine(k.Directory, "report.json");
            if (File.Exists(report))
            {
                var rr = RunReportJson.Load(report);
                Console.WriteLine($"  teacher {k.Directory}: {string.Join(", ", rr.Tasks.Select(t => string.Create(ci, $"{t.Name} test {t.Metric} {t.Test:G5}")))}");
            }
        }
    }

    /// <summary>Parses <paramref name="args"/> as <c>mtl train</c>'s options (usage errors for what does not parse).</summary>
    private static System.CommandLine.ParseResult Parse(IReadOnlyList<string> args)
    {
        var r = TrainCommand.Instance.Command.Parse([.. args]);
        if (r.Errors.Count > 0)
        {
            throw new UsageException($"mtl distill: {r.Errors[0].Message}");
        }

        return r;
    }

    private static int Seed(IReadOnlyList<string> args)
    {
        int at = args.ToList().LastIndexOf("--seed");
        return at >= 0 && at + 1 < args.Count && int.TryParse(args[at + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) ? s : 0;
    }

    /// <summary><paramref name="args"/> with <paramref name="option"/> set to <paramref name="value"/> (replaced or added).</summary>
    private static string[] With(IReadOnlyList<string> args, string option, string value)
    {
        var list = args.ToList();
        int at = list.IndexOf(option);
        if (at >= 0 && at + 1 < list.Count)
        {
            list[at + 1] = value;
        }
        else
        {
            list.AddRange([option, value]);
        }

        return [.. list];
    }

    /// <summary>Marks <paramref name="dir"/> as a distillation run (so <c>mtl train --resume</c> refuses it).</summary>
    private static void Mark(string dir, System.CommandLine.ParseResult r)
    {
        Directory.CreateDirectory(dir);
        var json = JsonSerializer.SerializeToUtf8Bytes(new StoredRun([.. r.Tokens.Select(t => t.Value)]), CliJsonContext.Default.StoredRun);
        AtomicFile.WriteAllBytes(Path.Combine(dir, MarkerFile), json);
    }

    private static string Describe(TaskInfo t) => $"{t.Kind.ToString().ToLowerInvariant()} with {t.Outputs} output{(t.Outputs == 1 ? "" : "s")}";
}
