using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// One task's endless stream of mini-batch index sets: shuffles at each epoch boundary with the task's own
/// <see cref="Rng"/>, and emits a short last batch rather than dropping it (spec A7: <c>dataset.batch(bs)</c>,
/// no drop_remainder).
/// </summary>
public sealed class EpochSampler : IStatefulPart
{
    private readonly int[] _perm;
    private readonly Rng _rng;
    private readonly int _batch;
    private int _position;

    /// <summary>Creates a sampler over <paramref name="count"/> examples.</summary>
    public EpochSampler(int count, int batchSize, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _rng = rng ?? throw new ArgumentNullException(nameof(rng));
        _batch = batchSize;
        _perm = new int[count];
        for (int i = 0; i < count; i++)
        {
            _perm[i] = i;
        }

        _rng.Shuffle<int>(_perm);
    }

    /// <summary>Completed passes over the data.</summary>
    public int Epoch { get; private set; }

    /// <summary>The next batch's example indices (a view valid until the next call).</summary>
    public ReadOnlySpan<int> Next()
    {
        if (_position >= _perm.Length)
        {
            _rng.Shuffle<int>(_perm);
            _position = 0;
            Epoch++;
        }

        int n = Math.Min(_batch, _perm.Length - _position);
        var span = new ReadOnlySpan<int>(_perm, _position, n);
        _position += n;
        return span;
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetIndexArray("order", _perm);
        bag.SetLong("position", _position);
        bag.SetLong("epoch", Epoch);
        bag.SetRng("rng", _rng);
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        int[] order = bag.GetIndexArray("order");
        if (order.Length != _perm.Length)
        {
            throw new InvalidDataException($"The saved data order has {order.Length} examples but the data has {_perm.Length}.");
        }

        order.CopyTo(_perm, 0);
        _position = (int)bag.GetLong("position");
        Epoch = (int)bag.GetLong("epoch");
        bag.LoadRng("rng", _rng);
    }
}
