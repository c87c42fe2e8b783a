using System.Diagnostics;
using System.Globalization;
using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.Data.Tasks;

namespace MtlSharp.Cli;

/// <summary>
/// Shows training progress: on a terminal, a bar redrawn in place with rate and ETA; when output is redirected,
/// a plain line every few seconds. Event messages (evaluations, checkpoints) always get their own line.
/// The rate and ETA are this process's own (<see cref="ProgressRate"/>): a resumed run shows its current speed, and
/// the ETA includes the evaluations.
/// </summary>
internal sealed class ConsoleProgress(string label) : IProgress<TrainingProgress>
{
    private readonly bool _interactive = !Console.IsOutputRedirected;
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly ProgressRate _rate = new();
    private bool _barShown;

    public void Report(TrainingProgress p)
    {
        var ci = CultureInfo.InvariantCulture;
        _rate.Observe(p.Update, p.ElapsedSeconds, _wall.Elapsed.TotalSeconds);
        double rate = _rate.UpdatesPerSecond;
        double eta = _rate.SecondsLeft(p.TotalUpdates);
        // An event right after a progress line has no updates since then: no loss to show (not "NaN").
        string loss = double.IsNaN(p.RecentLoss) ? "–" : p.RecentLoss.ToString("G4", ci);
        string stats = string.Create(ci, $"{p.Update}/{p.TotalUpdates} updates  {rate:F0} upd/s  loss {loss}  ETA {Format(eta)}");
        if (p.Message is not null)
        {
            ClearBar();
            Console.WriteLine($"[{label}] {p.Message}");
        }

        if (_interactive)
        {
            const int width = 30;
            int filled = p.TotalUpdates > 0 ? (int)(width * p.Update / p.TotalUpdates) : 0;
            string bar = new string('#', filled) + new string('-', width - filled);
            Console.Write($"\r[{label}] [{bar}] {stats}  ");
            _barShown = true;
            if (p.Update == p.TotalUpdates)
            {
                Console.WriteLine();
                _barShown = false;
            }
        }
        else if ((_sinceLine.Elapsed.TotalSeconds >= 5 && !(p.Message is not null && double.IsNaN(p.RecentLoss))) || p.Update == p.TotalUpdates)
        {
            Console.WriteLine($"[{label}] {stats}");
            _sinceLine.Restart();
        }
    }

    public void ClearBar()
    {
        if (_barShown)
        {
            Console.WriteLine();
            _barShown = false;
        }
    }

    private static string Format(double seconds) =>
        seconds >= 3600 ? $"{(int)(seconds / 3600)}h{(int)(seconds % 3600 / 60):D2}m" :
        seconds >= 60 ? $"{(int)(seconds / 60)}m{(int)(seconds % 60):D2}s" : $"{seconds:F0}s";
}
