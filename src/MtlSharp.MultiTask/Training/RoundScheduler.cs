namespace MtlSharp.MultiTask.Training;

/// <summary>
/// The Gumbel-Matrix training schedule (paper Sec. IV; spec A7, D7): each round visits every task once, in a freshly
/// shuffled order; each visit is one batch of that task and one optimizer update.
/// </summary>
public sealed class RoundScheduler
{
    private readonly int[] _order;
    private readonly Tensors.Rng _rng;
    private int _position;

    /// <summary>Creates a scheduler over <paramref name="taskCount"/> tasks drawing orders from <paramref name="rng"/>.</summary>
    public RoundScheduler(int taskCount, Tensors.Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _rng = rng ?? throw new ArgumentNullException(nameof(rng));
        _order = new int[taskCount];
        for (int i = 0; i < taskCount; i++)
        {
            _order[i] = i;
        }

        _position = taskCount; // forces a shuffle on first use
    }

    /// <summary>Completed rounds.</summary>
    public long Rounds { get; private set; }

    /// <summary>The next task to train on.</summary>
    public int Next()
    {
        if (_position == _order.Length)
        {
            _rng.Shuffle<int>(_order);
            _position = 0;
        }

        int t = _order[_position++];
        if (_position == _order.Length)
        {
            Rounds++;
        }

        return t;
    }
}
