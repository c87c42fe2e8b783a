using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.NN;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Tagging;

/// <summary>
/// The multi-task BiLSTM sequence tagger of the sluice-network paper (Ruder et al. 2019; spec B1–B2): a shared
/// <see cref="WordEncoder"/>, then either one shared stack of K BiLSTM layers (single task, hard sharing, low
/// supervision) or one stack per task whose layer outputs are mixed across tasks by an α unit after every layer
/// (<see cref="SubspaceMixing"/>: cross-stitch with S = 1, sluice with S = 2), then per task a layer connection
/// (<see cref="LayerConnection"/>, β for sluice) and a <see cref="TaskHead"/>. Task 0 is the main task.
/// </summary>
/// <remarks>
/// Parameter kinds: encoder and a shared stack <see cref="ParameterKind.Shared"/>; per-task stacks and heads
/// <see cref="ParameterKind.Task"/>; α and β <see cref="ParameterKind.Routing"/>. A constant α (ablation) is a
/// plain tensor, not a parameter.
/// </remarks>
public sealed class SequenceTagger : Module
{
    private readonly WordEncoder _encoder;
    private readonly BiLstm[] _stacks;
    private readonly TaskHead[] _heads;
    private readonly Tensor[] _alpha;   // per layer [(M·S), (M·S)] (per-task networks with M > 1 only)
    private readonly Tensor? _beta;     // [M, K] for Stitch/Skip
    private readonly int[] _predLayers;

    /// <summary>Builds the tagger for <paramref name="tagCounts"/>.Length tasks.</summary>
    public SequenceTagger(TaggerConfig config, int wordCount, int charCount, IReadOnlyList<int> tagCounts, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tagCounts);
        ArgumentNullException.ThrowIfNull(rng);
        Config = config;
        Tasks = tagCounts.Count;
        if (Tasks == 0)
        {
            throw new ArgumentException("SequenceTagger: at least one task is needed.", nameof(tagCounts));
        }

        int k = config.Layers, d = 2 * config.Hidden;
        if (config.Subspaces < 1 || config.Hidden % config.Subspaces != 0)
        {
            throw new ArgumentException($"SequenceTagger: Hidden {config.Hidden} must be divisible by Subspaces {config.Subspaces}.", nameof(config));
        }

        _predLayers = config.PredictionLayers ?? Enumerable.Repeat(k, Tasks).ToArray();
        if (_predLayers.Length != Tasks || _predLayers.Any(l => l < 1 || l > k))
        {
            throw new ArgumentException($"SequenceTagger: PredictionLayers needs {Tasks} values in [1, {k}].", nameof(config));
        }

        _encoder = RegisterModule("encoder", new WordEncoder(wordCount, charCount, config, rng));
        int stacks = config.PerTaskNetworks ? Tasks : 1;
        _stacks = new BiLstm[stacks];
        for (int m = 0; m < stacks; m++)
        {
            _stacks[m] = RegisterModule(stacks == 1 ? "lstm" : $"lstm{m}", new BiLstm(_encoder.OutputSize, config.Hidden, rng, k));
            if (stacks > 1)
            {
                _stacks[m].SetKind(ParameterKind.Task(m));
            }
        }

        _alpha = [];
        if (stacks > 1)
        {
            int n = Tasks * config.Subspaces;
            _alpha = new Tensor[k];
            for (int l = 0; l < k; l++)
            {
                var a = Tensor.FromArray(SluiceInit.Alpha(Tasks, config.Subspaces, config.AlphaInit), n, n);
                _alpha[l] = config.AlphaLearned ? RegisterParameter($"alpha{l}", a, ParameterKind.Routing).Value : a;
            }
        }

        if (config.Connection == LayerConnection.Stitch)
        {
            _beta = RegisterParameter("beta", Tensor.FromArray(SluiceInit.Beta(Tasks, k, config.BetaInit), Tasks, k), ParameterKind.Routing).Value;
        }
        else if (config.Connection == LayerConnection.Skip)
        {
            _beta = Tensor.Ones(Tasks, k);
        }

        _heads = new TaskHead[Tasks];
        for (int m = 0; m < Tasks; m++)
        {
            int layersRead = _predLayers[m];
            int input = config.Connection == LayerConnection.Concat ? layersRead * d : d;
            _heads[m] = RegisterModule($"head{m}", new TaskHead(input, config.MlpHidden, tagCounts[m], rng));
            _heads[m].SetKind(ParameterKind.Task(m));
        }
    }

    /// <summary>The configuration.</summary>
    public TaggerConfig Config { get; }

    /// <summary>Number of tasks M.</summary>
    public int Tasks { get; }

    /// <summary>
    /// Whether a pass without input noise encodes each distinct word of the batch once and runs the first BiLSTM
    /// layer on those rows (<see cref="WordEncoder.EncodeTypes"/>, <see cref="Ops.BiLstmLookup"/>; the default), or
    /// encodes every token (the same values up to rounding; for tests and A/B measurements).
    /// </summary>
    internal bool EncodeWordsOnce { get; set; } = true;

    /// <summary>The shared input layer (for exporters).</summary>
    internal WordEncoder Encoder => _encoder;

    /// <summary>The task heads, in task order (for exporters).</summary>
    internal IReadOnlyList<TaskHead> Heads => _heads;

    /// <summary>Per task, the number of BiLSTM layers its output reads (for exporters).</summary>
    internal IReadOnlyList<int> PredictionLayers => _predLayers;

    /// <summary>The BiLSTM stacks (one shared, or one per task).</summary>
    public IReadOnlyList<BiLstm> Stacks => _stacks;

    /// <summary>α per layer [(M·S), (M·S)] (empty without per-task networks).</summary>
    public IReadOnlyList<Tensor> Alpha => _alpha;

    /// <summary>
    /// The deepest shared BiLSTM layer's output [B, T, 2H] of the last forward pass (one shared stack: single task,
    /// hard sharing, low supervision); null with per-task networks.
    /// </summary>
    public Tensor? SharedOutput { get; private set; }

    /// <summary>β [M, K] (learned for Stitch, ones for Skip), or null.</summary>
    public Tensor? Beta => _beta;

    /// <summary>
    /// Logits per task, each [B·T, tags_m], for <paramref name="batch"/> with word ids <paramref name="wordIds"/>
    /// [B·T] (the batch's, or a copy with word dropout). <paramref name="noise"/> draws the input noise in training;
    /// when <paramref name="batch"/> is sentences <paramref name="share"/> of a larger batch (data parallelism, with
    /// that batch's padded length), the whole batch's noise is drawn and the share's kept.
    /// </summary>
    public Tensor[] Forward(SentenceBatch batch, int[] wordIds, Rng? noise = null, RowShare share = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        share.Check(batch.BatchSize, "SequenceTagger");
        int[] lengths = batch.Lengths;
        Func<BiLstm, Tensor> first;
        if (!EncodeWordsOnce || NoiseActive(noise))
        {
            var x = AddNoise(_encoder.Forward(batch, wordIds), noise, share);
            first = stack => stack.ForwardLayer(0, x, lengths);
        }
        else
        {
            // Without input noise a token's representation depends on its word only: with character ids, each distinct
            // word of the batch is encoded once, and the first BiLSTM layer projects those rows rather than every token.
            first = _encoder.FirstLayer(batch, wordIds);
        }

        var layers = Config.PerTaskNetworks ? PerTaskLayers(first, lengths) : SharedLayers(first, lengths);
        SharedOutput = Config.PerTaskNetworks ? null : layers.MaxBy(l => l.Length)![^1];
        var logits = new Tensor[Tasks];
        int rows = batch.BatchSize * batch.MaxLength;
        for (int m = 0; m < Tasks; m++)
        {
            var rep = AddNoise(Connect(layers[m], m), noise, share);
            logits[m] = _heads[m].Forward(Ops.Reshape(rep, rows, -1));
        }

        return logits;
    }

    /// <summary>
    /// The orthogonality penalty R over every per-task layer's input-gate blocks (weight_ih and weight_hh, both
    /// directions), unweighted; zero without subspaces.
    /// </summary>
    public Tensor OrthogonalityPenalty()
    {
        if (!Config.PerTaskNetworks || Config.Subspaces < 2)
        {
            return Tensor.Scalar(0f);
        }

        var dirs = new List<LstmWeights>();
        foreach (var s in _stacks)
        {
            for (int l = 0; l < s.Layers; l++)
            {
                dirs.Add(s.Direction(l, false));
                dirs.Add(s.Direction(l, true));
            }
        }

        return Objectives.OrthogonalityPenalty.Compute(dirs, Config.Subspaces);
    }

    /// <summary>bilty's regulariser: N(0, σ²) noise on the word representations and on each task's final representation, in training only.</summary>
    private Tensor AddNoise(Tensor x, Rng? noise, RowShare rows)
    {
        if (noise is null || !NoiseActive(noise))
        {
            return x;
        }

        var n = Tensor.Scratch(x.Shape);
        if (rows.IsWhole)
        {
            noise.FillNormal(n.Span, 0f, Config.InputNoise);
        }
        else
        {
            int width = rows.Count == 0 ? 0 : x.Length / rows.Count;
            var whole = Tensor.Scratch(new Shape((int)checked((long)rows.Total * width)));
            noise.FillNormal(whole.Span, 0f, Config.InputNoise);
            rows.Take(whole.Span, n.Span, width);
        }

        return Ops.Add(x, n);
    }

    /// <summary>Whether <see cref="AddNoise"/> draws noise in this pass.</summary>
    private bool NoiseActive(Rng? noise) => IsTraining && Config.InputNoise > 0 && noise is not null;

    /// <summary>The shared stack's layers; <paramref name="first"/> runs a stack's layer 0 on the encoded words.</summary>
    private Tensor[][] SharedLayers(Func<BiLstm, Tensor> first, int[] lengths)
    {
        int need = _predLayers.Max();
        var outs = new Tensor[need];
        Tensor? h = null;
        for (int l = 0; l < need; l++)
        {
            h = l == 0 ? first(_stacks[0]) : _stacks[0].ForwardLayer(l, h!, lengths);
            outs[l] = h;
        }

        var perTask = new Tensor[Tasks][];
        for (int m = 0; m < Tasks; m++)
        {
            perTask[m] = outs[.._predLayers[m]];
        }

        return perTask;
    }

    /// <summary>The per-task stacks' layers with α between them; <paramref name="first"/> runs a stack's layer 0 on the encoded words.</summary>
    private Tensor[][] PerTaskLayers(Func<BiLstm, Tensor> first, int[] lengths)
    {
        int k = Config.Layers;
        var perTask = new Tensor[Tasks][];
        var inputs = new Tensor[Tasks];
        for (int m = 0; m < Tasks; m++)
        {
            perTask[m] = new Tensor[k];
        }

        var outs = new Tensor[Tasks];
        for (int l = 0; l < k; l++)
        {
            for (int m = 0; m < Tasks; m++)
            {
                outs[m] = l == 0 ? first(_stacks[m]) : _stacks[m].ForwardLayer(l, inputs[m], lengths);
            }

            for (int m = 0; m < Tasks; m++)
            {
                inputs[m] = Tasks > 1 ? SubspaceMixing.Mix(outs, _alpha[l], m, Config.Subspaces) : outs[m];
                perTask[m][l] = inputs[m];
            }
        }

        for (int m = 0; m < Tasks; m++)
        {
            perTask[m] = perTask[m][.._predLayers[m]];
        }

        return perTask;
    }

    private Tensor Connect(Tensor[] layers, int task) => Config.Connection switch
    {
        LayerConnection.Last => layers[^1],
        LayerConnection.Concat => layers.Length == 1 ? layers[0] : Ops.Concat(layers, 2),
        _ => LayerMixing.Mix(layers, BetaRows(layers.Length), task),
    };

    private Tensor BetaRows(int layersRead) =>
        layersRead == Config.Layers ? _beta! : throw new NotSupportedException("SequenceTagger: β mixing needs every task to read all layers.");
}
