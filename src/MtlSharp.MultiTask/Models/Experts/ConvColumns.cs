using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// One column per task of a conv stack — the routed configuration's stage kinds: <c>conv</c> (k×k, valid padding,
/// ReLU; <see cref="ConvComponents"/>), <c>maxpool</c> (valid) and <c>mlp</c> (<see cref="MlpComponents"/>; image
/// features flattened channel-major first) — with a mixing unit (cross-stitch or sluice α) at every <em>unit
/// point</em>: after each pooling stage, after a conv stage not followed by pooling, and after each mlp stage
/// (Misra et al. 2016 put their units after the pooling and fully connected layers). The cross-stitch and sluice
/// networks over convolutions (<see cref="ConvCrossStitchNetwork"/>, <see cref="ConvSluiceNetwork"/>) are these
/// columns plus their units.
/// </summary>
/// <remarks>
/// Every column of a stage is evaluated together: a conv on the shared input (the first stage) is one convolution
/// with T·filters output channels (as the routed layers' <see cref="ConvComponents"/>); a conv on the task columns is
/// one convolution per task (the tasks' inputs differ once a unit has mixed them; the engine has no grouped
/// convolution); pooling is one op over all T·N feature maps; an mlp stage one <see cref="Ops.ComponentLinear"/>
/// per depth. Pooling before the first conv or mlp stage pools the shared input (no unit: there are no columns yet).
/// Build the stack with <see cref="AddConv"/>, <see cref="AddMaxPool"/> and <see cref="AddMlp"/>, then hand it to a
/// network.
/// </remarks>
public sealed class ConvColumns : Module
{
    private readonly List<ColumnStage> _stages = [];
    private readonly List<int[]> _shapes;   // per-example shape after each stage (input first)
    private readonly List<bool> _perTask;   // whether the state after each stage has a task axis (input first)

    /// <summary>Creates an empty stack for <paramref name="tasks"/> columns on image inputs of shape <paramref name="inputShape"/> [C, H, W].</summary>
    public ConvColumns(int tasks, IReadOnlyList<int> inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentOutOfRangeException.ThrowIfLessThan(tasks, 1);
        if (inputShape.Count != 3 || inputShape.Any(s => s < 1))
        {
            throw new ArgumentException($"Conv columns read image inputs [channels, height, width], got [{string.Join(", ", inputShape)}] (flat inputs: use the dense cross-stitch or sluice model, \"sizes\").", nameof(inputShape));
        }

        Tasks = tasks;
        _shapes = [[.. inputShape]];
        _perTask = [false];
    }

    /// <summary>Number of columns (tasks) T.</summary>
    public int Tasks { get; }

    /// <summary>Number of stages.</summary>
    public int Stages => _stages.Count;

    /// <summary>Per-example shape after the last stage ([C, H, W] or [width]).</summary>
    public IReadOnlyList<int> OutputShape => _shapes[^1];

    /// <summary>The stages (for exporters).</summary>
    internal IReadOnlyList<ColumnStage> StageList => _stages;

    /// <summary>Per-example input shape [C, H, W] (for exporters).</summary>
    internal IReadOnlyList<int> InputShape => _shapes[0];

    /// <summary>
    /// The stages after which a unit mixes the columns (ascending stage indices); fixed once the stack is complete
    /// (the stage after a conv decides whether the conv is a unit point).
    /// </summary>
    public IReadOnlyList<int> UnitPoints()
    {
        var points = new List<int>();
        for (int i = 0; i < _stages.Count; i++)
        {
            if (!_perTask[i + 1])
            {
                continue;
            }

            bool nextPools = i + 1 < _stages.Count && _stages[i + 1].Kind == ColumnStageKind.MaxPool;
            if (_stages[i].Kind != ColumnStageKind.Conv || !nextPools)
            {
                points.Add(i);
            }
        }

        return points;
    }

    /// <summary>Per-example shape after stage <paramref name="stage"/> ([C, H, W] or [width]).</summary>
    public IReadOnlyList<int> ShapeAfter(int stage) => _shapes[stage + 1];

    /// <summary>Appends a k×k convolution with <paramref name="filters"/> output channels (valid padding, ReLU) per column.</summary>
    public ConvColumns AddConv(int filters, int kernel, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(filters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        int[] s = _shapes[^1];
        if (s.Length != 3 || s[1] < kernel || s[2] < kernel)
        {
            throw new ArgumentException($"A {kernel}×{kernel} convolution needs image features [channels, height, width] at least that large, got [{string.Join(", ", s)}].");
        }

        var conv = RegisterModule($"stage{_stages.Count}", new ConvComponents(Tasks, s[0], filters, kernel, rng));
        Add(new ColumnStage(ColumnStageKind.Conv, conv, null, kernel, 1), [filters, s[1] - kernel + 1, s[2] - kernel + 1], perTask: true);
        return this;
    }

    /// <summary>Appends max pooling (valid padding), the same for every column.</summary>
    public ConvColumns AddMaxPool(int kernel, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        int[] s = _shapes[^1];
        if (s.Length != 3 || s[1] < kernel || s[2] < kernel)
        {
            throw new ArgumentException($"Pooling needs image features at least {kernel} high and wide, got [{string.Join(", ", s)}].");
        }

        Add(new ColumnStage(ColumnStageKind.MaxPool, null, null, kernel, stride), [s[0], ((s[1] - kernel) / stride) + 1, ((s[2] - kernel) / stride) + 1], _perTask[^1]);
        return this;
    }

    /// <summary>Appends an MLP per column with output widths <paramref name="sizes"/> (ReLU after hidden layers, and after the last when <paramref name="outputRelu"/>).</summary>
    public ConvColumns AddMlp(IReadOnlyList<int> sizes, bool outputRelu, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(rng);
        if (sizes.Count == 0 || sizes.Any(w => w < 1))
        {
            throw new ArgumentException("An mlp needs at least one positive width.", nameof(sizes));
        }

        int fin = _shapes[^1].Aggregate(1, (a, b) => a * b);
        var mlp = RegisterModule($"stage{_stages.Count}", new MlpComponents(Tasks, [fin, .. sizes], outputRelu, rng));
        Add(new ColumnStage(ColumnStageKind.Mlp, null, mlp, 0, 0), [sizes[^1]], perTask: true);
        return this;
    }

    /// <summary>
    /// Runs the columns on x [N, C, H, W] (shared by every task); at each unit point u (<see cref="UnitPoints"/>) the
    /// state [T, N, D] (D: the per-example features, channel-major) is replaced by <paramref name="mix"/>(u, state).
    /// Returns every unit's mixed output [T, N, D_u], in order.
    /// </summary>
    public IReadOnlyList<Tensor> Forward(Tensor x, Func<int, Tensor, Tensor> mix)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(mix);
        int[] input = _shapes[0];
        ShapeMismatchException.Require(x.Rank == 4 && x.Shape[1] == input[0] && x.Shape[2] == input[1] && x.Shape[3] == input[2],
            "ConvColumns", $"input [N, {input[0]}, {input[1]}, {input[2]}]", x.Shape);
        int n = x.Shape[0];
        var points = UnitPoints();
        var outputs = new List<Tensor>(points.Count);
        Tensor h = x;   // shared: [N, …]; per task: [T·N, C, H, W] or [T, N, width]
        for (int i = 0; i < _stages.Count; i++)
        {
            var stage = _stages[i];
            int[] shape = _shapes[i + 1];
            switch (stage.Kind)
            {
                case ColumnStageKind.Conv:
                    h = _perTask[i] ? ConvPerTask(stage.Conv!, h, n) : Ops.Reshape(Ops.Transpose(stage.Conv!.Forward(h, default).Stacked, 0, 1), Tasks * n, shape[0], shape[1], shape[2]);
                    break;
                case ColumnStageKind.MaxPool:
                    h = Ops.MaxPool2d(h, stage.Kernel, stage.Stride);
                    break;
                default:
                {
                    int fin = _shapes[i].Aggregate(1, (a, b) => a * b);
                    h = _perTask[i] ? Ops.Reshape(h, Tasks, n, fin) : Ops.Reshape(h, n, fin);
                    var mlp = stage.Mlp!;
                    for (int d = 0; d < mlp.Weights.Count; d++)
                    {
                        h = Ops.ComponentLinear(h, mlp.Weights[d].Value, mlp.Biases[d].Value);
                        if (d < mlp.Weights.Count - 1 || mlp.OutputRelu)
                        {
                            h = Ops.Relu(h);
                        }
                    }

                    break;
                }
            }

            if (points.Contains(i))
            {
                int features = shape.Aggregate(1, (a, b) => a * b);
                var mixed = mix(outputs.Count, Ops.Reshape(h, Tasks, n, features));
                outputs.Add(mixed);
                h = shape.Length == 3 ? Ops.Reshape(mixed, Tasks * n, shape[0], shape[1], shape[2]) : mixed;
            }
        }

        return outputs;
    }

    /// <summary>Each task's kernels on its own column ([T·N, C, H, W] → [T·N, F, Ho, Wo]).</summary>
    private Tensor ConvPerTask(ConvComponents conv, Tensor h, int n)
    {
        var parts = new Tensor[Tasks];
        for (int t = 0; t < Tasks; t++)
        {
            var y = conv.Forward(Ops.Slice(h, 0, t * n, n), [t]);
            parts[t] = Ops.Reshape(y.Stacked, n, y.Combined[1], y.Combined[2], y.Combined[3]);
        }

        return Tasks == 1 ? parts[0] : Ops.Concat(parts, 0);
    }

    private void Add(ColumnStage stage, int[] shape, bool perTask)
    {
        _stages.Add(stage);
        _shapes.Add(shape);
        _perTask.Add(perTask);
    }
}
