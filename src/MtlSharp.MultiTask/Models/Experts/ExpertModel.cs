using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// An <see cref="ExpertNetwork"/> (MMoE, one-gate mixture, CGC, PLE) as a model of the one training loop. Batch parts
/// that hold the same input rows (every task labelling one table) run through the experts together, once. The
/// sharing scalars are the mean gate weights of the latest training batch of each gate (<c>gates/…/gate/expert</c>).
/// </summary>
public sealed class ExpertModel : IMultiTaskModel
{
    private readonly string[] _taskNames;
    private GateStatistics _latest;

    /// <summary>Wraps <paramref name="network"/>, whose tasks are named <paramref name="taskNames"/>.</summary>
    public ExpertModel(ExpertNetwork network, IReadOnlyList<string> taskNames)
    {
        Network = network ?? throw new ArgumentNullException(nameof(network));
        ArgumentNullException.ThrowIfNull(taskNames);
        if (taskNames.Count != network.Tasks)
        {
            throw new ArgumentException($"The network has {network.Tasks} tasks, but {taskNames.Count} names were given.", nameof(taskNames));
        }

        _taskNames = [.. taskNames];
        SharedParameters = network.Parameters(k => k.Role == ParameterRole.Shared);
        _latest = network.CreateGateStatistics();
    }

    /// <summary>The expert network.</summary>
    public ExpertNetwork Network { get; }

    /// <inheritdoc/>
    public Module Module => Network;

    /// <inheritdoc/>
    public int TaskCount => Network.Tasks;

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> SharedParameters { get; }

    /// <inheritdoc/>
    public Tensor? SharedRepresentation => null;

    /// <inheritdoc/>
    public IReadOnlyList<IRegularizer> Regularizers => Network.Regularizers;

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Forward(MultiTaskBatch batch, in ForwardContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outputs = new Tensor[batch.Parts.Count];
        var done = new bool[outputs.Length];
        var stats = context.Training ? Network.CreateGateStatistics() : null;
        for (int i = 0; i < outputs.Length; i++)
        {
            if (done[i])
            {
                continue;
            }

            if (batch.Parts[i].Input is not TensorInput x)
            {
                throw new ArgumentException($"An expert network takes dense inputs; task {batch.Parts[i].Task}'s batch holds {batch.Parts[i].Input.GetType().Name}.");
            }

            // Every later part on the same rows joins this pass.
            var group = new List<int> { i };
            for (int j = i + 1; j < outputs.Length; j++)
            {
                if (!done[j] && batch.Parts[j].Input is TensorInput y && ReferenceEquals(y.Value, x.Value))
                {
                    group.Add(j);
                }
            }

            int[] tasks = group.Select(g => batch.Parts[g].Task).ToArray();
            var outs = Network.Forward(x.Value, tasks, stats, context);
            for (int g = 0; g < group.Count; g++)
            {
                outputs[group[g]] = outs[g];
                done[group[g]] = true;
            }
        }

        if (stats is not null)
        {
            Merge(stats);
        }

        return outputs;
    }

    /// <summary>The mean gate weights over the rows of <paramref name="rows"/> (one input per task), as labelled matrices.</summary>
    public IReadOnlyList<NamedMatrix> GateMatrices(GateStatistics rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return Network.GateMatrices(rows, _taskNames);
    }

    /// <inheritdoc/>
    public IReadOnlyList<(string Name, double Value)> SharingScalars()
    {
        var list = new List<(string, double)>();
        var matrices = Network.GateMatrices(_latest, _taskNames);
        for (int m = 0; m < Math.Min(matrices.Count, _latest.Count); m++)   // report-only matrices past the statistics (AdaShare's fixed policy) are not scalars
        {
            var mat = matrices[m];
            for (int r = 0; r < mat.RowLabels.Length; r++)
            {
                if (_latest.Rows(m, r) == 0)
                {
                    continue;
                }

                string row = r < _taskNames.Length ? _taskNames[r] : "shared";
                for (int c = 0; c < mat.ColumnLabels.Length; c++)
                {
                    list.Add(($"{Network.GateKeys[m]}/{row}/{mat.ColumnLabels[c]}", mat.Values[r][c]));
                }
            }
        }

        return list;
    }

    /// <summary>Keeps, per gate row, the latest training batch's means (rows the batch did not touch stay).</summary>
    private void Merge(GateStatistics batch)
    {
        var merged = Network.CreateGateStatistics();
        for (int m = 0; m < batch.Count; m++)
        {
            var now = batch.Mean(m);
            var before = _latest.Mean(m);
            for (int r = 0; r < now.Length; r++)
            {
                var source = batch.Rows(m, r) > 0 ? now[r] : _latest.Rows(m, r) > 0 ? before[r] : null;
                if (source is not null)
                {
                    merged.Add(m, r, 0, Tensor.FromArray(source.Select(v => (float)v).ToArray(), 1, source.Length));
                }
            }
        }

        _latest = merged;
    }
}
