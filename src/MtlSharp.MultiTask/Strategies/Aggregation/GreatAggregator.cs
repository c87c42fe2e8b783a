using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// GREAT, gradient adversarial training for multi-task learning (Sinha et al. 2018, "Gradient Adversarial Training of
/// Neural Networks", Sec. 3.3; named in Crawshaw's survey, in no library): an auxiliary network classifies which task a
/// gradient came from, and the shared gradients are modulated so that it cannot tell — gradients of different tasks
/// become statistically indistinguishable. Our variant, without second-order derivatives:
/// <list type="bullet">
/// <item>a gradient-alignment layer per task, a vector a_t (one weight per feature, initialised to 1), scales that
/// task's gradient: ĝ = a_t ⊙ g (per example in representation mode, where each row holds one gradient of width
/// <see cref="GradientMatrix.SampleWidth"/> per example; with parameter gradients the whole row is one sample);</item>
/// <item>the auxiliary network is a linear softmax classifier over T tasks reading ĝ normalised to unit root mean
/// square (so that only the direction pattern, not the scale, identifies a task); it descends its cross-entropy;</item>
/// <item>the alignment vectors ascend the same cross-entropy (the gradient reversal of the paper), then are clipped at
/// 0 and rescaled to mean 1, so the adversary cannot simply silence a task;</item>
/// <item>the update direction is Σ_t a_t ⊙ g_t with the alignment vectors of this step (before their update).</item>
/// </list>
/// Both use Adam (learning rate <see cref="LearningRate"/>, β = 0.9/0.999). The paper's auxiliary network is a small
/// MLP over the gradient tensor at the encoder output and its alignment layers are trained through the auxiliary loss's
/// reversed gradient — the same game; a linear auxiliary network keeps it cheap (O(T·|z|) per example). Use it with
/// representation gradients (<c>--gradients representation</c>), as the paper does; it also runs on parameter
/// gradients (one sample per task per step, a classifier of T × P weights). The classifier's accuracy on the last
/// step is <see cref="LastAccuracy"/>. State (classifier, alignment vectors, Adam moments) is saved with the run.
/// </summary>
public sealed class GreatAggregator : IGradientAggregator, IStatefulPart
{
    /// <summary>Default Adam learning rate of the classifier and the alignment vectors.</summary>
    public const double DefaultLearningRate = 1e-3;

    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    private int _width;
    private int _tasks;
    private long _updates;

    // Classifier W [tasks × width], bias [tasks]; alignment A [tasks × width]; Adam moments of each.
    private double[] _w = [], _b = [], _a = [];
    private double[] _mw = [], _vw = [], _mb = [], _vb = [], _ma = [], _va = [];

    // Reused per step: the game's gradients and its working vectors.
    private double[] _gw = [], _gb = [], _ga = [], _scratch = [];

    /// <summary>Creates the aggregator with Adam learning rate <paramref name="learningRate"/>.</summary>
    public GreatAggregator(double learningRate = DefaultLearningRate)
    {
        if (!(learningRate > 0 && double.IsFinite(learningRate)))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "GREAT's learning rate must be positive.");
        }

        LearningRate = learningRate;
    }

    /// <summary>Adam learning rate of the classifier and the alignment vectors.</summary>
    public double LearningRate { get; }

    /// <inheritdoc/>
    public string Name => "great";

    /// <summary>The auxiliary classifier's accuracy at telling the tasks' gradients apart on the last step (NaN before one).</summary>
    public double LastAccuracy { get; private set; } = double.NaN;

    /// <summary>Its mean cross-entropy on the last step (ln T is chance).</summary>
    public double LastLoss { get; private set; } = double.NaN;

    /// <summary>The alignment vector of <paramref name="task"/> (a copy; ones before the task was seen).</summary>
    public double[] Alignment(int task) =>
        task < _tasks ? _a.AsSpan(task * _width, _width).ToArray() : Enumerable.Repeat(1.0, Math.Max(_width, 0)).ToArray();

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(GreatAggregator), gradients, tasks, destination);
        int rows = gradients.Rows;
        var weights = new double[rows];
        Array.Fill(weights, double.NaN);
        if (rows == 1)
        {
            AggregationMath.Single(gradients, destination);
            return weights;
        }

        int width = gradients.SampleWidth;
        int samples = gradients.Columns / width;
        Prepare(width, tasks);

        // The direction with this step's alignment vectors.
        destination.Clear();
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<float> g = gradients.Row(i);
            ReadOnlySpan<double> a = _a.AsSpan(tasks[i] * width, width);
            for (int s = 0; s < samples; s++)
            {
                int o = s * width;
                for (int k = 0; k < width; k++)
                {
                    destination[o + k] += (float)(a[k] * g[o + k]);
                }
            }
        }

        // The game: classifier descends, alignment ascends the mean cross-entropy over every (task, example) gradient.
        if (_gw.Length != _w.Length)
        {
            (_gw, _gb, _ga, _scratch) = (new double[_w.Length], new double[_b.Length], new double[_a.Length], new double[(3 * width) + _tasks]);
        }

        var (gw, gb, ga) = (_gw, _gb, _ga);
        Array.Clear(gw);
        Array.Clear(gb);
        Array.Clear(ga);
        var (loss, correct, count) = Game(gradients, tasks, _tasks, _w, _b, _a, gw, gb, ga, _scratch);
        if (count == 0)
        {
            return weights;
        }

        LastLoss = loss / count;
        LastAccuracy = (double)correct / count;
        double inv = 1.0 / count;
        _updates++;
        Adam(_w, gw, _mw, _vw, inv);
        Adam(_b, gb, _mb, _vb, inv);
        Adam(_a, ga, _ma, _va, -inv); // gradient reversal: the alignment vectors ascend the classifier's loss
        for (int i = 0; i < rows; i++)
        {
            Renormalise(_a.AsSpan(tasks[i] * width, width));
        }

        return weights;
    }

    /// <summary>
    /// The classifier's summed cross-entropy over every (row, example) gradient, its correct guesses and the samples
    /// counted (zero gradients are skipped), with the gradients of that sum with respect to the classifier
    /// (<paramref name="gw"/>, <paramref name="gb"/>) and the alignment vectors (<paramref name="ga"/>) added in.
    /// </summary>
    internal static (double Loss, int Correct, int Count) Game(GradientMatrix gradients, ReadOnlySpan<int> tasks, int taskCount, double[] w, double[] b, double[] a, double[] gw, double[] gb, double[] ga, double[]? scratch = null)
    {
        int rows = gradients.Rows;
        int width = gradients.SampleWidth;
        int samples = gradients.Columns / width;
        var work = scratch is { } sc && sc.Length >= (3 * width) + taskCount ? sc : new double[(3 * width) + taskCount];
        var u = work.AsSpan(0, width);
        var x = work.AsSpan(width, width);
        var dx = work.AsSpan(2 * width, width);
        var logits = work.AsSpan(3 * width, taskCount);
        double loss = 0;
        int correct = 0, count = 0;
        for (int i = 0; i < rows; i++)
        {
            int task = tasks[i];
            ReadOnlySpan<float> g = gradients.Row(i);
            ReadOnlySpan<double> at = a.AsSpan(task * width, width);
            for (int s = 0; s < samples; s++)
            {
                int o = s * width;
                double sq = 0;
                for (int k = 0; k < width; k++)
                {
                    u[k] = at[k] * g[o + k];
                    sq += u[k] * u[k];
                }

                double r = Math.Sqrt(sq / width);
                if (!(r > 1e-30))
                {
                    continue; // a zero gradient carries no task signature
                }

                for (int k = 0; k < width; k++)
                {
                    x[k] = u[k] / r;
                }

                double max = double.NegativeInfinity;
                for (int c = 0; c < taskCount; c++)
                {
                    double z = b[c];
                    ReadOnlySpan<double> wc = w.AsSpan(c * width, width);
                    for (int k = 0; k < width; k++)
                    {
                        z += wc[k] * x[k];
                    }

                    logits[c] = z;
                    max = Math.Max(max, z);
                }

                double sum = 0;
                int best = 0;
                for (int c = 0; c < taskCount; c++)
                {
                    if (logits[c] > logits[best])
                    {
                        best = c;
                    }

                    logits[c] = Math.Exp(logits[c] - max);
                    sum += logits[c];
                }

                loss -= Math.Log(logits[task] / sum);
                correct += best == task ? 1 : 0;
                count++;
                dx.Clear();
                for (int c = 0; c < taskCount; c++)
                {
                    double d = (logits[c] / sum) - (c == task ? 1 : 0);
                    gb[c] += d;
                    Span<double> gwc = gw.AsSpan(c * width, width);
                    ReadOnlySpan<double> wc = w.AsSpan(c * width, width);
                    for (int k = 0; k < width; k++)
                    {
                        gwc[k] += d * x[k];
                        dx[k] += d * wc[k];
                    }
                }

                // Through the normalisation x = u / rms(u): du = (dx − x·(x·dx)/width) / r; then u = a ⊙ g.
                double xdx = 0;
                for (int k = 0; k < width; k++)
                {
                    xdx += x[k] * dx[k];
                }

                Span<double> gat = ga.AsSpan(task * width, width);
                for (int k = 0; k < width; k++)
                {
                    double du = (dx[k] - (x[k] * xdx / width)) / r;
                    gat[k] += du * g[o + k];
                }
            }
        }

        return (loss, correct, count);
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetLong("width", _width);
        bag.SetLong("tasks", _tasks);
        bag.SetLong("updates", _updates);
        bag.SetDouble("lastAccuracy", LastAccuracy);
        bag.SetDouble("lastLoss", LastLoss);
        foreach (var (name, array) in Arrays())
        {
            bag.SetDoubleArray(name, array);
        }
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _width = (int)bag.GetLong("width");
        _tasks = (int)bag.GetLong("tasks");
        _updates = bag.GetLong("updates");
        LastAccuracy = bag.GetDouble("lastAccuracy");
        LastLoss = bag.GetDouble("lastLoss");
        _w = bag.GetDoubleArray("w");
        _b = bag.GetDoubleArray("b");
        _a = bag.GetDoubleArray("a");
        _mw = bag.GetDoubleArray("mw");
        _vw = bag.GetDoubleArray("vw");
        _mb = bag.GetDoubleArray("mb");
        _vb = bag.GetDoubleArray("vb");
        _ma = bag.GetDoubleArray("ma");
        _va = bag.GetDoubleArray("va");
        if (_w.Length != _tasks * _width || _a.Length != _tasks * _width || _b.Length != _tasks)
        {
            throw new InvalidDataException($"GREAT's saved state does not fit {_tasks} tasks × {_width} features.");
        }
    }

    private IEnumerable<(string Name, double[] Array)> Arrays() =>
        [("w", _w), ("b", _b), ("a", _a), ("mw", _mw), ("vw", _vw), ("mb", _mb), ("vb", _vb), ("ma", _ma), ("va", _va)];

    /// <summary>Allocates for <paramref name="width"/> features and grows to every task seen (new tasks: W = 0, a = 1).</summary>
    private void Prepare(int width, ReadOnlySpan<int> tasks)
    {
        if (_tasks > 0 && width != _width)
        {
            throw new ArgumentException($"GREAT: gradients of {width} features per sample after {_width}; the representation's width must not change during a run.");
        }

        _width = width;
        int n = _tasks;
        foreach (int t in tasks)
        {
            n = Math.Max(n, t + 1);
        }

        if (n == _tasks)
        {
            return;
        }

        _w = Grow(_w, n * width, 0);
        _mw = Grow(_mw, n * width, 0);
        _vw = Grow(_vw, n * width, 0);
        _a = Grow(_a, n * width, 1);
        _ma = Grow(_ma, n * width, 0);
        _va = Grow(_va, n * width, 0);
        _b = Grow(_b, n, 0);
        _mb = Grow(_mb, n, 0);
        _vb = Grow(_vb, n, 0);
        _tasks = n;
    }

    private static double[] Grow(double[] old, int length, double fill)
    {
        var grown = new double[length];
        Array.Fill(grown, fill, old.Length, length - old.Length);
        old.CopyTo(grown, 0);
        return grown;
    }

    /// <summary>One Adam step of <paramref name="theta"/> along −scale·<paramref name="grad"/>.</summary>
    private void Adam(double[] theta, double[] grad, double[] m, double[] v, double scale)
    {
        double c1 = 1 - Math.Pow(Beta1, _updates), c2 = 1 - Math.Pow(Beta2, _updates);
        for (int k = 0; k < theta.Length; k++)
        {
            double g = grad[k] * scale;
            m[k] = (Beta1 * m[k]) + ((1 - Beta1) * g);
            v[k] = (Beta2 * v[k]) + ((1 - Beta2) * g * g);
            theta[k] -= LearningRate * (m[k] / c1) / (Math.Sqrt(v[k] / c2) + Epsilon);
        }
    }

    /// <summary>Clips an alignment vector at 0 and rescales it to mean 1 (all ones if it vanished).</summary>
    private static void Renormalise(Span<double> a)
    {
        double sum = 0;
        for (int k = 0; k < a.Length; k++)
        {
            a[k] = Math.Max(0, a[k]);
            sum += a[k];
        }

        if (!(sum > 0))
        {
            a.Fill(1);
            return;
        }

        double scale = a.Length / sum;
        for (int k = 0; k < a.Length; k++)
        {
            a[k] *= scale;
        }
    }
}
