using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.MultiInput;

/// <summary>
/// One model over several input types (OmniNet's layout, Pramanik et al. 2019; Liu et al. 2015's for text): each
/// task reads one input type, whose <see cref="IInputEncoder"/> maps a batch of it to the core's width; a shared core
/// of dense layers (linear + tanh each) follows, then a linear head per task. The tasks of one batch may read
/// different input types (each part is encoded by its own task's encoder; parts sharing one input object and
/// encoder are encoded once).
/// </summary>
/// <remarks>
/// Parameter kinds: an encoder read by one task only belongs to that task (<see cref="ParameterKind.Task(int)"/>),
/// one read by several is shared, as the core is; heads belong to their tasks. A model with one encoder and one core
/// layer is Liu et al.'s: bag of trigrams → dense → tanh → shared layer → heads.
/// </remarks>
public sealed class MultiInputModel : Module, IMultiTaskModel
{
    private readonly IInputEncoder[] _encoders;
    private readonly int[] _taskEncoder;
    private readonly Parameter[] _coreWeights;
    private readonly Parameter[] _coreBiases;
    private readonly TaskHeads _heads;

    /// <summary>
    /// Creates the model: task t reads <paramref name="encoders"/>[<paramref name="taskEncoder"/>[t]]; every encoder
    /// ends at the same width; <paramref name="coreSizes"/> are the shared core's layer widths (may be empty);
    /// <paramref name="outputs"/>[t] is task t's number of classes.
    /// </summary>
    public MultiInputModel(IReadOnlyList<IInputEncoder> encoders, IReadOnlyList<int> taskEncoder, IReadOnlyList<int> coreSizes, IReadOnlyList<int> outputs, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(encoders);
        ArgumentNullException.ThrowIfNull(taskEncoder);
        ArgumentNullException.ThrowIfNull(coreSizes);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        if (encoders.Count == 0 || outputs.Count == 0 || taskEncoder.Count != outputs.Count)
        {
            throw new ArgumentException($"MultiInputModel: at least one encoder and one task, and one encoder index per task (got {encoders.Count} encoders, {taskEncoder.Count} indices for {outputs.Count} tasks).");
        }

        int width = encoders[0].OutputWidth;
        for (int e = 0; e < encoders.Count; e++)
        {
            if (encoders[e].OutputWidth != width)
            {
                throw new ArgumentException($"MultiInputModel: every encoder must end at the core's width {width}; encoder {e} ({encoders[e].Name}) gives {encoders[e].OutputWidth}.");
            }
        }

        for (int t = 0; t < taskEncoder.Count; t++)
        {
            if ((uint)taskEncoder[t] >= (uint)encoders.Count)
            {
                throw new ArgumentException($"MultiInputModel: task {t} reads encoder {taskEncoder[t]}, but there are {encoders.Count}.");
            }
        }

        _encoders = [.. encoders];
        _taskEncoder = [.. taskEncoder];
        for (int e = 0; e < _encoders.Length; e++)
        {
            RegisterModule($"encoder{e}", _encoders[e].Module);
            int[] readers = Enumerable.Range(0, _taskEncoder.Length).Where(t => _taskEncoder[t] == e).ToArray();
            if (readers.Length == 1)
            {
                _encoders[e].Module.SetKind(ParameterKind.Task(readers[0]));
            }
        }

        _coreWeights = new Parameter[coreSizes.Count];
        _coreBiases = new Parameter[coreSizes.Count];
        int inWidth = width;
        for (int l = 0; l < coreSizes.Count; l++)
        {
            float bound = MathF.Sqrt(6f / (inWidth + coreSizes[l]));
            _coreWeights[l] = RegisterParameter($"core{l}_weight", Tensor.Uniform(new Shape(coreSizes[l], inWidth), -bound, bound, rng));
            _coreBiases[l] = RegisterParameter($"core{l}_bias", Tensor.Zeros(coreSizes[l]));
            inWidth = coreSizes[l];
        }

        _heads = RegisterModule("heads", new TaskHeads(inWidth, outputs, rng));
        TaskCount = outputs.Count;
        SharedParameters = Parameters(k => k.Role == ParameterRole.Shared);
    }

    /// <summary>The encoders, in configuration order.</summary>
    public IReadOnlyList<IInputEncoder> Encoders => _encoders;

    /// <summary>The encoder each task reads.</summary>
    public IReadOnlyList<int> TaskEncoder => _taskEncoder;

    /// <inheritdoc/>
    Module IMultiTaskModel.Module => this;

    /// <inheritdoc/>
    public int TaskCount { get; }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> SharedParameters { get; }

    /// <inheritdoc/>
    /// <remarks>The core's output when every part of the last batch read one input object; otherwise null.</remarks>
    public Tensor? SharedRepresentation { get; private set; }

    /// <inheritdoc/>
    public IReadOnlyList<IRegularizer> Regularizers => [];

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Forward(MultiTaskBatch batch, in ForwardContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var core = new List<(BatchInput Input, int Encoder, Tensor Output)>();
        var outputs = new Tensor[batch.Parts.Count];
        for (int i = 0; i < outputs.Length; i++)
        {
            var part = batch.Parts[i];
            if ((uint)part.Task >= (uint)TaskCount)
            {
                throw new ArgumentException($"Batch part for task {part.Task}, but the model has {TaskCount} tasks.");
            }

            int e = _taskEncoder[part.Task];
            int at = core.FindIndex(c => ReferenceEquals(c.Input, part.Input) && c.Encoder == e);
            if (at < 0)
            {
                Tensor h = _encoders[e].Encode(part.Input, context);
                for (int l = 0; l < _coreWeights.Length; l++)
                {
                    h = Ops.Tanh(Ops.Linear(h, _coreWeights[l].Value, _coreBiases[l].Value));
                }

                core.Add((part.Input, e, h));
                at = core.Count - 1;
            }

            outputs[i] = _heads.Forward(core[at].Output, part.Task);
        }

        SharedRepresentation = core.Count == 1 ? core[0].Output : null;
        return outputs;
    }

    /// <inheritdoc/>
    public IReadOnlyList<(string Name, double Value)> SharingScalars() => [];
}
