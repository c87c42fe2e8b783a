using System.Globalization;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// Learned layer selection (AdaShare, Sun, Panda, Feris &amp; Saenko 2020, "AdaShare: Learning What To Share For
/// Efficient Deep Multi-Task Learning") for flat inputs: a shared encoder (linear + ReLU to the width), then L shared
/// residual blocks B_l(h) = ReLU(h + W2 ReLU(W1 h + b1) + b2); task t executes or skips each block by its policy,
/// h ← u_{t,l}·B_l(h) + (1 − u_{t,l})·h, then its tower. The policy logits π_{t,l} = (select, skip) are task
/// parameters; in training u is the "select" entry of a Gumbel-Softmax sample softmax((π + g)/τ), at evaluation the
/// policy is fixed: u = 1 where select is the likelier action, else 0.
/// </summary>
/// <remarks>
/// Schedule (<see cref="AdaShareOptions"/>): warm-up with every block executed; then a curriculum in which the top k
/// blocks have learned policies and the blocks below them are executed, k growing by one every CurriculumSteps
/// updates; τ decays from τ₀. Regularisers (<see cref="Regularizers"/>): sparsity λ_sp · mean over tasks and learned
/// blocks of (l + 1)/L · 2 · CE(π_{t,l}, skip) (the authors' code: higher blocks weigh more), and sharing
/// λ_sh · Σ_{t &lt; s} Σ_l (L − l)/L · |π_{t,l,select} − π_{s,l,select}| (the paper: lower blocks are pushed harder to be
/// shared). Deviations from the paper, which is convolutional (ResNet blocks) and trains in three phases: the blocks
/// are dense; network weights and policies are trained together by the loop's optimiser rather than in alternation
/// on separate data splits; there is no final re-training from scratch with the sampled policy — the evaluation
/// policy is the argmax of the learned one. The logits start at 0 (select and skip equally likely). Reported: the
/// probability of "select" per task and block (task × block), and the fixed policy at evaluation.
/// </remarks>
public sealed class AdaShareNetwork : ExpertNetwork
{
    private readonly Module<Tensor, Tensor>? _input;
    private readonly Parameter _encoderWeight;
    private readonly Parameter _encoderBias;
    private readonly Parameter[] _blocks;   // [l * 4 + {w1, b1, w2, b2}]
    private readonly Parameter[] _policies;   // per task [L, 2]
    private readonly TaskHeads _towers;
    private readonly AdaShareOptions _options;
    private readonly IRegularizer[] _regularizers;

    /// <summary>
    /// Creates the network for inputs of width <paramref name="inputWidth"/> (after <paramref name="input"/>, when
    /// given): an encoder to <paramref name="width"/>, <paramref name="blocks"/> residual blocks of that width,
    /// towers (hidden <paramref name="towerSizes"/>) for tasks with output widths <paramref name="outputs"/>.
    /// </summary>
    public AdaShareNetwork(int inputWidth, int width, int blocks, AdaShareOptions options, IReadOnlyList<int> towerSizes, IReadOnlyList<int> outputs, Rng rng,
        Module<Tensor, Tensor>? input = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(towerSizes);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blocks, 1);
        if (outputs.Count == 0)
        {
            throw new ArgumentException("Expected at least one task.", nameof(outputs));
        }

        if (!(options.Temperature > 0f) || !(options.MinimumTemperature > 0f) || !(options.Decay > 0f) || options.DecaySteps < 1 || options.CurriculumSteps < 1
            || options.WarmupSteps < 0 || options.Sparsity < 0f || options.Sharing < 0f)
        {
            throw new ArgumentException("AdaShare needs positive temperatures, decay and step counts, and non-negative regulariser weights.", nameof(options));
        }

        if (input is not null)
        {
            _input = RegisterModule("input", input);
        }

        Tasks = outputs.Count;
        Width = width;
        Blocks = blocks;
        _options = options;
        _encoderWeight = RegisterParameter("encoder_weight", ExpertMix.Glorot(width, inputWidth, rng));
        _encoderBias = RegisterParameter("encoder_bias", Tensor.Zeros(width));
        _blocks = new Parameter[blocks * 4];
        for (int l = 0; l < blocks; l++)
        {
            string p = string.Create(CultureInfo.InvariantCulture, $"block{l}_");
            _blocks[(l * 4) + 0] = RegisterParameter(p + "w1", ExpertMix.Glorot(width, width, rng));
            _blocks[(l * 4) + 1] = RegisterParameter(p + "b1", Tensor.Zeros(width));
            _blocks[(l * 4) + 2] = RegisterParameter(p + "w2", ExpertMix.Glorot(width, width, rng));
            _blocks[(l * 4) + 3] = RegisterParameter(p + "b2", Tensor.Zeros(width));
        }

        _policies = new Parameter[Tasks];
        for (int t = 0; t < Tasks; t++)
        {
            _policies[t] = RegisterParameter(string.Create(CultureInfo.InvariantCulture, $"policy{t}"), Tensor.Zeros(blocks, 2), ParameterKind.Task(t));
        }

        _towers = RegisterModule("towers", new TaskHeads(width, towerSizes, outputs, rng));
        _regularizers = [new PolicyRegularizer(this)];
        GateKeys = ["policy"];
    }

    /// <inheritdoc/>
    public override int Tasks { get; }

    /// <summary>Width of the encoder and blocks.</summary>
    public int Width { get; }

    /// <summary>Number of residual blocks L.</summary>
    public int Blocks { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> GateKeys { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<IRegularizer> Regularizers => _regularizers;

    /// <summary>The optional input stage (for exporters).</summary>
    internal Module<Tensor, Tensor>? InputStage => _input;

    /// <summary>The towers (for exporters).</summary>
    internal TaskHeads Towers => _towers;

    /// <summary>The encoder: weight [width, in] and bias (for exporters).</summary>
    internal (Parameter Weight, Parameter Bias) Encoder => (_encoderWeight, _encoderBias);

    /// <summary>Block <paramref name="l"/>'s (W1, b1, W2, b2) (for exporters).</summary>
    internal (Parameter W1, Parameter B1, Parameter W2, Parameter B2) Block(int l) => (_blocks[l * 4], _blocks[(l * 4) + 1], _blocks[(l * 4) + 2], _blocks[(l * 4) + 3]);

    /// <summary>Task <paramref name="t"/>'s policy logits [L, 2] (select, skip).</summary>
    public Parameter Policy(int t) => _policies[t];

    /// <summary>Number of blocks (from the top) whose policies are learned and sampled after <paramref name="step"/> updates; 0 in the warm-up.</summary>
    public int LearnedBlocks(long step) =>
        step < _options.WarmupSteps ? 0 : (int)Math.Min(Blocks, 1 + ((step - _options.WarmupSteps) / _options.CurriculumSteps));

    /// <summary>The Gumbel-Softmax temperature after <paramref name="step"/> updates.</summary>
    public float TemperatureAt(long step)
    {
        long decays = Math.Max(0, step - _options.WarmupSteps) / _options.DecaySteps;
        return MathF.Max(_options.MinimumTemperature, _options.Temperature * MathF.Pow(_options.Decay, decays));
    }

    /// <summary>The evaluation policy [T][L]: whether each task executes each block (select likelier than skip).</summary>
    public bool[][] FixedPolicy() => Enumerable.Range(0, Tasks).Select(t =>
    {
        float[] p = _policies[t].Data.ToArray();
        return Enumerable.Range(0, Blocks).Select(l => p[2 * l] >= p[(2 * l) + 1]).ToArray();
    }).ToArray();

    /// <summary>The probability of "select" [T][L] (softmax of each block's logits).</summary>
    public double[][] SelectProbabilities() => Enumerable.Range(0, Tasks).Select(t =>
    {
        float[] p = _policies[t].Data.ToArray();
        return Enumerable.Range(0, Blocks).Select(l => 1.0 / (1.0 + Math.Exp(p[(2 * l) + 1] - p[2 * l]))).ToArray();
    }).ToArray();

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates = null) =>
        Run(x, tasks, gates, null, 0);

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates, in ForwardContext context) =>
        Run(x, tasks, gates, context.Training ? context.Rng : null, context.Step);

    private IReadOnlyList<Tensor> Run(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates, Rng? sampling, long step)
    {
        ArgumentNullException.ThrowIfNull(x);
        x = ExpertMix.Flat(_input is null ? x : _input.Forward(x));
        var h0 = Ops.Relu(Ops.Linear(x, _encoderWeight.Value, _encoderBias.Value));
        var fixedPolicy = sampling is null ? FixedPolicy() : null;
        int learned = LearnedBlocks(step);
        float tau = TemperatureAt(step);
        var outputs = new Tensor[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            int t = tasks[i];
            ArgumentOutOfRangeException.ThrowIfNegative(t);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(t, Tasks);
            var h = h0;
            for (int l = 0; l < Blocks; l++)
            {
                if (fixedPolicy is not null)
                {
                    h = fixedPolicy[t][l] ? BlockForward(l, h) : h;
                }
                else if (l < Blocks - learned)
                {
                    h = BlockForward(l, h);   // below the curriculum's reach: executed
                }
                else
                {
                    // u = softmax((π + g)/τ)[select] = σ((π_sel + g₀ − π_skip − g₁)/τ), one draw per task and block.
                    var logits = Ops.Slice(_policies[t].Value, 0, l, 1);   // [1, 2]
                    var noisy = Ops.Add(logits, Ops.GumbelNoise(new Shape(1, 2), sampling!));
                    var u = Ops.Slice(Ops.Softmax(Ops.Scale(noisy, 1f / tau), 1), 1, 0, 1);   // [1, 1]
                    var executed = BlockForward(l, h);
                    h = Ops.Add(h, Ops.Mul(Ops.Sub(executed, h), u));   // u has one element: it scales every row
                }
            }

            if (gates is not null)
            {
                var probabilities = SelectProbabilities()[t];
                gates.Add(0, t, 0, Tensor.FromArray(probabilities.Select(v => (float)v).ToArray(), 1, Blocks));
            }

            outputs[i] = _towers.Forward(h, t);
        }

        return outputs;
    }

    private Tensor BlockForward(int l, Tensor h)
    {
        var (w1, b1, w2, b2) = Block(l);
        return Ops.Relu(Ops.Add(h, Ops.Linear(Ops.Relu(Ops.Linear(h, w1.Value, b1.Value)), w2.Value, b2.Value)));
    }

    /// <inheritdoc/>
    public override GateStatistics CreateGateStatistics() => new([(Tasks, Blocks)]);

    /// <inheritdoc/>
    public override IReadOnlyList<NamedMatrix> GateMatrices(GateStatistics statistics, IReadOnlyList<string> taskNames)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(taskNames);
        string[] blocks = Enumerable.Range(0, Blocks).Select(l => "block " + l.ToString(CultureInfo.InvariantCulture)).ToArray();
        var fixedPolicy = FixedPolicy();
        return
        [
            new NamedMatrix("policy: probability of executing the block (task × block)", [.. taskNames], blocks, SelectProbabilities()),
            new NamedMatrix("policy at evaluation (task × block; 1 = executed)", [.. taskNames], blocks, fixedPolicy.Select(r => r.Select(b => b ? 1.0 : 0.0).ToArray()).ToArray()),
        ];
    }

    /// <summary>AdaShare's sparsity and sharing losses over the policy logits (see the class remarks).</summary>
    private sealed class PolicyRegularizer(AdaShareNetwork network) : IRegularizer
    {
        public string Name => "adashare";

        public Tensor? Compute(MultiTaskBatch batch, in ForwardContext context)
        {
            int learned = network.LearnedBlocks(context.Step);
            if (!context.Training || learned == 0)
            {
                return null;
            }

            var o = network._options;
            int blocks = network.Blocks, first = blocks - learned, tasks = network.Tasks;
            Tensor? total = null;
            if (o.Sparsity > 0f)
            {
                // CE towards skip = −log softmax(π)[skip], weighted 2(l + 1)/L, mean over tasks and learned blocks.
                var weights = new float[learned];
                for (int j = 0; j < learned; j++)
                {
                    weights[j] = 2f * (first + j + 1) / blocks;
                }

                var w = Tensor.FromArray(weights, learned, 1);
                for (int t = 0; t < tasks; t++)
                {
                    var logits = Ops.Slice(network._policies[t].Value, 0, first, learned);   // [learned, 2]
                    var skip = Ops.Slice(Ops.LogSoftmax(logits, 1), 1, 1, 1);   // [learned, 1]
                    var term = Ops.Scale(Ops.Sum(Ops.Mul(skip, w)), -o.Sparsity / (tasks * learned));
                    total = total is null ? term : Ops.Add(total, term);
                }
            }

            if (o.Sharing > 0f && tasks > 1)
            {
                var weights = new float[blocks];
                for (int l = 0; l < blocks; l++)
                {
                    weights[l] = (float)(blocks - l) / blocks;
                }

                var w = Tensor.FromArray(weights, blocks, 1);
                for (int t = 0; t < tasks; t++)
                {
                    for (int s = t + 1; s < tasks; s++)
                    {
                        var diff = Ops.Sub(Ops.Slice(network._policies[t].Value, 1, 0, 1), Ops.Slice(network._policies[s].Value, 1, 0, 1));   // [L, 1]
                        var term = Ops.Scale(Ops.Sum(Ops.Mul(Ops.Abs(diff), w)), o.Sharing);
                        total = total is null ? term : Ops.Add(total, term);
                    }
                }
            }

            return total;
        }
    }
}
