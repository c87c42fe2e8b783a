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
/// encoder are encoded once). The core is either dense (linear + tanh layers shared by every task) or any routed
/// network of the library (shared-bottom, Gumbel-Matrix, no-sharing, mixture-of-experts layers, with heads).
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
    private readonly TaskHeads? _heads;
    private readonly RoutedNetwork? _routed;

    /// <summary>
    /// Creates the model: task t reads <paramref name="encoders"/>[<paramref name="taskEncoder"/>[t]]; every encoder
    /// ends at the same width; <paramref name="coreSizes"/> are the shared core's layer widths (may be empty);
    /// <paramref name="outputs"/>[t] is task t's number of classes.
    /// </summary>
    public MultiInputModel(IReadOnlyList<IInputEncoder> encoders, IReadOnlyList<int> taskEncoder, IReadOnlyList<int> coreSizes, IReadOnlyList<int> outputs, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(coreSizes);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        (_encoders, _taskEncoder) = Register(encoders, taskEncoder, outputs.Count);
        int width = _encoders[0].OutputWidth;
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

    /// <summary>
    /// Creates the model with any routed network of the library as its core (shared-bottom layers, Gumbel-Matrix
    /// routed layers, no sharing, mixtures of experts; <see cref="Configuration.ConfigRunBuilder.Network"/> builds one
    /// from a configuration) over inputs of the encoders' width; <paramref name="core"/> must have task heads. Each task
    /// reads the core under its own allocation.
    /// </summary>
    public MultiInputModel(IReadOnlyList<IInputEncoder> encoders, IReadOnlyList<int> taskEncoder, RoutedNetwork core)
    {
        _routed = core ?? throw new ArgumentNullException(nameof(core));
        if (core.Heads is null)
        {
            throw new ArgumentException("MultiInputModel: the routed core needs task heads.", nameof(core));
        }

        (_encoders, _taskEncoder) = Register(encoders, taskEncoder, core.Tasks);
        _coreWeights = [];
        _coreBiases = [];
        RegisterModule("core", core);
        TaskCount = core.Tasks;
        SharedParameters = Parameters(k => k.Role == ParameterRole.Shared);
    }

    private (IInputEncoder[] Encoders, int[] TaskEncoder) Register(IReadOnlyList<IInputEncoder> encoders, IReadOnlyList<int> taskEncoder, int tasks)
    {
        ArgumentNullException.ThrowIfNull(encoders);
        ArgumentNullException.ThrowIfNull(taskEncoder);
        if (encoders.Count == 0 || tasks == 0 || taskEncoder.Count != tasks)
        {
            throw new ArgumentException($"MultiInputModel: at least one encoder and one task, and one encoder index per task (got {encoders.Count} encoders, {taskEncoder.Count} indices for {tasks} tasks).");
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

        IInputEncoder[] list = [.. encoders];
        int[] map = [.. taskEncoder];
        for (int e = 0; e < list.Length; e++)
        {
            RegisterModule($"encoder{e}", list[e].Module);
            int[] readers = Enumerable.Range(0, map.Length).Where(t => map[t] == e).ToArray();
            if (readers.Length == 1)
            {
                list[e].Module.SetKind(ParameterKind.Task(readers[0]));
            }
        }

        return (list, map);
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
            if (_routed is not null)
            {
                // A routed core reads each task under its own allocation: the encoding is shared, the core is not.
                if (at < 0)
                {
                    core.Add((part.Input, e, _encoders[e].Encode(part.Input, context)));
                    at = core.Count - 1;
                }

                var routing = new RoutingContext(part.Task, context.Training, context.Temperature, context.Rng);
                outputs[i] = _routed.Forward(core[at].Output, routing);
                continue;
            }

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

            outputs[i] = _heads!.Forward(core[at].Output, part.Task);
        }

        SharedRepresentation = core.Count == 1 && _routed is null ? core[0].Output : null;
        return outputs;
    }

    /// <summary>The routed core, or null for the dense core.</summary>
    public RoutedNetwork? RoutedCore => _routed;

    /// <summary>Dense core: each layer's [out, in] weight (read by the ONNX export); empty with a routed core.</summary>
    internal IReadOnlyList<Parameter> CoreWeights => _coreWeights;

    /// <summary>Dense core: each layer's bias.</summary>
    internal IReadOnlyList<Parameter> CoreBiases => _coreBiases;

    /// <summary>Dense core: the task heads; null with a routed core (its heads are the core's).</summary>
    internal TaskHeads? Heads => _heads;

    /// <inheritdoc/>
    /// <remarks>With a routed core that learns its allocation: every task's connection probabilities per layer.</remarks>
    public IReadOnlyList<(string Name, double Value)> SharingScalars()
    {
        var list = new List<(string, double)>();
        if (_routed is null)
        {
            return list;
        }

        var probs = _routed.Probabilities();
        for (int l = 0; l < probs.Count; l++)
        {
            if (_routed.RoutedLayers[l].Router.Logits is null)
            {
                continue;
            }

            for (int t = 0; t < probs[l].Length; t++)
            {
                for (int c = 0; c < probs[l][t].Length; c++)
                {
                    list.Add(($"allocation/layer{l}/task{t}/c{c}", probs[l][t][c]));
                }
            }
        }

        return list;
    }
}
