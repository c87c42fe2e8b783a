namespace MtlSharp.Cli;

/// <summary>
/// The training rate and time left as seen by this process. A run's cumulative <c>ElapsedSeconds</c> includes the
/// time of earlier processes of a resumed run (and any time the process was suspended), so dividing the update count
/// by it shows a stale rate; here both come from the reports this process has seen: the rate is updates per second
/// of training time between the first report and the latest, the time left is extrapolated from wall-clock time over
/// the same span, so it includes evaluations and checkpoints.
/// </summary>
internal sealed class ProgressRate
{
    private long _firstUpdate = -1;
    private double _firstTrain, _firstWall;
    private long _update;
    private double _train, _wall;

    /// <summary>Training updates per second since the first report (0 until two reports with progress between them).</summary>
    public double UpdatesPerSecond => _update > _firstUpdate && _train > _firstTrain ? (_update - _firstUpdate) / (_train - _firstTrain) : 0;

    /// <summary>Records a report: updates done, the run's cumulative training seconds, and this process's wall-clock seconds.</summary>
    public void Observe(long update, double trainSeconds, double wallSeconds)
    {
        if (_firstUpdate < 0 || update < _update)
        {
            _firstUpdate = update;
            _firstTrain = trainSeconds;
            _firstWall = wallSeconds;
        }

        _update = update;
        _train = trainSeconds;
        _wall = wallSeconds;
    }

    /// <summary>Wall-clock seconds until <paramref name="total"/> updates at the rate seen so far (0 while unknown).</summary>
    public double SecondsLeft(long total)
    {
        long done = _update - _firstUpdate;
        double wall = _wall - _firstWall;
        return done > 0 && wall > 0 ? Math.Max(0, total - _update) * wall / done : 0;
    }
}
