using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Sampling;

/// <summary>
/// The Gumbel-Matrix schedule (paper Sec. IV; spec A7, D7): each round visits every task once, in a freshly
/// shuffled order; each visit is one batch of that task and one update.
/// </summary>
public sealed class RoundSampler : ITaskSampler
{
    private readonly int[] _order;
    private readonly int[] _one = new int[1];
    private readonly Rng _rng;
    private int _position;

    /// <summary>Creates a sampler over <paramref name="taskCount"/> tasks drawing orders from <paramref name="rng"/>.</summary>
    public RoundSampler(int taskCount, Rng rng)
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

    /// <inheritdoc/>
    public string Name => "rounds";

    /// <inheritdoc/>
    public bool OneTaskPerStep => true;

    /// <summary>Completed rounds.</summary>
    public long Rounds { get; private set; }

    /// <inheritdoc/>
    public ReadOnlySpan<int> Next()
    {
        if (_position == _order.Length)
        {
            _rng.Shuffle<int>(_order);
            _position = 0;
        }

        _one[0] = _order[_position++];
        if (_position == _order.Length)
        {
            Rounds++;
        }

        return _one;
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetInts("order", _order);
        bag.SetLong("position", _position);
        bag.SetLong("rounds", Rounds);
        bag.SetRng("rng", _rng);
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        int[] order = bag.GetInts("order");
        if (order.Length != _order.Length)
        {
            throw new InvalidDataException($"The saved round order has {order.Length} tasks, the run {_order.Length}.");
        }

        order.CopyTo(_order, 0);
        _position = (int)bag.GetLong("position");
        Rounds = bag.GetLong("rounds");
        bag.LoadRng("rng", _rng);
    }
}
