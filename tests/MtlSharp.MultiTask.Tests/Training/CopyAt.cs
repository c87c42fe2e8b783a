using MtlSharp.MultiTask.Training;

namespace MtlSharp.MultiTask.Tests.Training;

/// <summary>Copies a checkpoint folder away the first time progress passes an update (a state a kill would leave).</summary>
internal sealed class CopyAt(string from, string to, long update) : IProgress<TrainingProgress>
{
    public bool Copied { get; private set; }

    public void Report(TrainingProgress value)
    {
        if (!Copied && value.Update >= update && Directory.Exists(from))
        {
            Directory.CreateDirectory(to);
            foreach (string f in Directory.GetFiles(from))
            {
                File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
            }

            Copied = true;
        }
    }
}
