using System.Diagnostics;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training.Callbacks;
using MtlSharp.MultiTask.Training.State;
using MtlSharp.NN;
using MtlSharp.NN.Checkpoints;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Training;

/// <summary>
/// The one training loop of every multi-task model. Each step: the sampler picks tasks → the data gives their batch →
/// the model's forward → a masked loss per task → the gradient strategy (a loss weighting of the task losses, or an
/// aggregator over the per-task gradients of the shared parameters) plus the model's regularisers → global-norm
/// clipping → every optimizer steps. Callbacks handle evaluation bookkeeping, early stopping, keep-best,
/// checkpoints, progress, reports and logs; every stateful part saves its state, so a run resumed from its last
/// checkpoint continues bit for bit (same machine and thread count).
/// </summary>
public sealed class Trainer
{
    private readonly ITrainingCallback[] _callbacks;
    private readonly IStepProbe[] _probes;
    private readonly KeepBestCallback? _keepBest;
    private readonly ILossWeighting _weighting;
    private readonly Parameter[] _allParameters;
    private readonly Parameter[] _strategyParameters;
    private readonly TrainingRun _run;
    private TensorArena _arena = new();
    private double _secondsBefore;
    private long _lastEvaluationStep = -1;
    private bool _hasBest;
    private GradientMatrix? _matrix;
    private Tensor? _representation;
    private List<Tensor>? _representationWrt;
    private (Parameter[] Others, List<Tensor> Wrt, int Length)? _representationLayout;
    private float[]? _row;
    private GradTarget[] _gradTargets = [];   // GradientRows' destinations, reused step after step
    private float[]? _aggregated;
    private float[] _wholeDirection = [];
    private Terms? _terms;
    private (Parameter[] Shared, Parameter[] Others, List<Tensor> Wrt, int SharedLength, int TotalLength)? _aggregationLayout;
    private readonly DataParallelStep? _parallel;
    private (Tensor Loss, float Observations)?[] _partLosses = [];

    /// <summary>Creates the loop; checks that model, data, strategies and sampler fit together.</summary>
    public Trainer(IMultiTaskModel model, ITrainingData data, IEvaluator evaluator, TrainerOptions options, IReadOnlyList<ITrainingCallback>? callbacks = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Data = data ?? throw new ArgumentNullException(nameof(data));
        Evaluator = evaluator ?? throw new ArgumentNullException(nameof(evaluator));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        if (data.Tasks.Count != model.TaskCount)
        {
            throw new ArgumentException($"The model has {model.TaskCount} tasks but the data has {data.Tasks.Count}.");
        }

        if (options.TotalSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.TotalSteps, "A run needs at least one update.");
        }

        if (options.EvaluateEvery < 0 || options.Patience < 0 || options.RenewArenaEvery < 0 || !(options.ClipNorm >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "EvaluateEvery, Patience, RenewArenaEvery and ClipNorm must be non-negative.");
        }

        if (options.Optimizers.Count == 0)
        {
            throw new ArgumentException("The loop needs at least one optimizer.", nameof(options));
        }

        if (options.Schedules is { } sch && sch.Count != options.Optimizers.Count)
        {
            throw new ArgumentException($"{sch.Count} learning-rate schedules for {options.Optimizers.Count} optimizers.", nameof(options));
        }

        if (options.Aggregator is not null && options.Weighting is not null)
        {
            throw new ArgumentException("Choose a loss weighting or a gradient aggregator, not both: an aggregator combines the unweighted per-task gradients.", nameof(options));
        }

        if (options.Aggregator is not null && options.Sampler.OneTaskPerStep)
        {
            throw new ArgumentException(
                $"The gradient aggregator '{options.Aggregator.Name}' combines the gradients of several tasks per step, but the sampler '{options.Sampler.Name}' puts one task in each step; use a sampler that draws every task per step (e.g. 'all').",
                nameof(options));
        }

        if (options.GradientSpace == GradientSpace.Representation)
        {
            if (options.Aggregator is null)
            {
                throw new ArgumentException("Representation gradients are a way to aggregate per-task gradients: choose a gradient aggregator (e.g. mgda for MGDA-UB).", nameof(options));
            }

            if (model is not IRepresentationModel rep)
            {
                throw new ArgumentException($"Representation gradients need a model with one shared representation; {model.GetType().Name} has none.", nameof(options));
            }

            if (rep.RepresentationUnavailable is { } why)
            {
                throw new ArgumentException($"Representation gradients need one shared representation, but {why}; use parameter gradients or a shared-bottom model.", nameof(options));
            }
        }

        _weighting = options.Weighting ?? FixedWeighting.Equal(model.TaskCount);
        _strategyParameters = [.. _weighting.Parameters];
        _allParameters = [.. model.Module.Parameters(), .. _strategyParameters];
        var list = new List<ITrainingCallback>();
        if (options.KeepBest && evaluator.HasValidation)
        {
            _keepBest = new KeepBestCallback();
            list.Add(_keepBest);
        }

        if (options.Patience > 0 && evaluator.HasValidation)
        {
            list.Add(new EarlyStoppingCallback(options.Patience));
        }

        list.AddRange(callbacks ?? []);
        if (list.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != list.Count)
        {
            throw new ArgumentException($"Callback names must be unique: {string.Join(", ", list.Select(c => c.Name))}.", nameof(callbacks));
        }

        _callbacks = [.. list];
        _probes = [.. list.OfType<IStepProbe>()];
        _run = new TrainingRun(this);
        _parallel = options.GradientReducer is { } reducer ? new DataParallelStep(reducer, model.Module.Parameters(), options) : null;
        if (_parallel is not null && options.Distillation is not null)
        {
            throw new ArgumentException("Distillation runs its teachers in one process; it is not available under data parallelism.", nameof(options));
        }

        if (options.Distillation is { } d && !d.Tasks.Select(t => (t.Name, t.Kind, t.Outputs)).SequenceEqual(data.Tasks.Select(t => (t.Name, t.Kind, t.Outputs))))
        {
            throw new ArgumentException("The distiller's tasks are not the data's (names, kinds and outputs, in order).", nameof(options));
        }

        if (_parallel is not null && _probes.Length > 0)
        {
            throw new ArgumentException("Gradient statistics and task affinity are measured in one process; they are not available under data parallelism.", nameof(callbacks));
        }
    }

    /// <summary>The model.</summary>
    public IMultiTaskModel Model { get; }

    /// <summary>The training data.</summary>
    public ITrainingData Data { get; }

    /// <summary>The evaluator.</summary>
    public IEvaluator Evaluator { get; }

    /// <summary>The options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The run as callbacks see it.</summary>
    public TrainingRun Run => _run;

    internal IReadOnlyList<Parameter> AllParameters => _allParameters;

    internal double TrainSeconds => _secondsBefore + _watch.Elapsed.TotalSeconds;

    private readonly Stopwatch _watch = new();

    /// <summary>
    /// Restores a checkpoint written by <see cref="TrainingRun.SaveState"/>: weights, optimizers, the loop's counters,
    /// RNG streams, sampler and data positions, strategy parameters and every callback's state.
    /// </summary>
    public CheckpointMetadata Resume(string checkpointDirectory)
    {
        var meta = Checkpoint.Load(checkpointDirectory, Model.Module, Options.Optimizers);
        var bag = StateBag.Load(checkpointDirectory);
        try
        {
            LoadState(bag);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"{Path.Combine(checkpointDirectory, StateBag.JsonFile)}: {e.Message}", e);
        }

        return meta;
    }

    /// <summary>
    /// Trains until the schedule ends, a callback stops it, or <paramref name="cancellation"/> fires; then evaluates on
    /// test. Under data parallelism a cancellation on any process stops every process after the same update.
    /// </summary>
    public TrainingOutcome Train(CancellationToken cancellation = default)
    {
        foreach (var cb in _callbacks)
        {
            cb.OnStart(_run);
        }

        long total = Options.TotalSteps;
        while (!_run.Finished)
        {
            if (_run.Step >= total || _run.StopRequested)
            {
                if (Evaluator.HasValidation && _lastEvaluationStep != _run.Step)
                {
                    Evaluate();
                }

                _run.Finished = true;
                break;
            }

            // Data parallelism: a process that is asked to stop says so with its next update's losses, and every
            // process stops after that update (not at its own moment, which would leave the others in a collective).
            if (_parallel is null ? cancellation.IsCancellationRequested : _parallel.StopAgreed)
            {
                _run.Cancelled = true;
                break;
            }

            if (_parallel is not null)
            {
                _parallel.StopWanted = cancellation.IsCancellationRequested;
            }

            long step = _run.Step;
            if (Options.RenewArenaEvery > 0 && step > 0 && step % Options.RenewArenaEvery == 0)
            {
                _arena = new TensorArena();
            }

            _watch.Start();
            StepResult result;
            using (_arena.Enter())
            {
                ReadOnlySpan<int> tasks = Options.Sampler.Next();
                var batch = Data.Next(tasks);
                result = TrainStep(batch, step);
            }

            _watch.Stop();
            _run.Step = step + 1;
            foreach (var cb in _callbacks)
            {
                cb.OnStep(_run, result);
            }

            if (Options.EvaluateEvery > 0 && _run.Step % Options.EvaluateEvery == 0 && _run.Step != total)
            {
                Evaluate();
            }

            _run.WritePendingCheckpoints();
        }

        foreach (var cb in _callbacks)
        {
            cb.OnEnd(_run);
        }

        _run.WritePendingCheckpoints();
        long selected = _run.Step;
        if (_keepBest is not null && _keepBest.Restore(_allParameters))
        {
            selected = _run.BestStep;
        }

        double[] test = Evaluator.Evaluate(Model, EvaluationSplit.Test);
        double[]? valid = Evaluator.HasValidation ? Evaluator.Evaluate(Model, EvaluationSplit.Validation) : null;
        var tasksInfo = Data.Tasks;
        var outcome = new TrainingOutcome
        {
            Tasks = tasksInfo.Select((t, i) => new TaskResult(t.Name, t.Metric, test[i], valid?[i])).ToArray(),
            TrainSeconds = TrainSeconds,
            Updates = _run.Step,
            SelectedStep = selected,
            Cancelled = _run.Cancelled,
            StopReason = _run.Step < total && !_run.Cancelled ? _run.StopReason : null,
        };
        foreach (var cb in _callbacks)
        {
            cb.OnOutcome(_run, outcome);
        }

        return outcome;
    }

    private void Evaluate()
    {
        var split = Evaluator.HasValidation ? EvaluationSplit.Validation : EvaluationSplit.Test;
        double[] metrics = Evaluator.Evaluate(Model, split);
        if (split == EvaluationSplit.Validation && Options.Sampler is Strategies.Sampling.IEvaluationAwareSampler adaptive)
        {
            adaptive.OnValidation(Data.Tasks, metrics, _run.Step);
        }

        double score = SelectionScore(metrics);
        bool best = split == EvaluationSplit.Validation && (score > _run.BestScore || !_hasBest);
        if (best)
        {
            _run.BestScore = score;
            _run.BestStep = _run.Step;
            _hasBest = true;
        }

        _lastEvaluationStep = _run.Step;
        var result = new EvaluationResult(_run.Step, split, Evaluator.SplitName(split), metrics, score, best);
        foreach (var cb in _callbacks)
        {
            cb.OnEvaluation(_run, result);
        }
    }

    private double SelectionScore(double[] metrics)
    {
        var tasks = Data.Tasks;
        if (Options.SelectionTask is { } main)
        {
            return tasks[main].Score(metrics[main]);
        }

        double sum = 0;
        for (int t = 0; t < metrics.Length; t++)
        {
            sum += tasks[t].Score(metrics[t]);
        }

        return sum / metrics.Length;
    }

    /// <summary>
    /// The scalarised training objective of <paramref name="batch"/> — the loss weighting of the masked per-task losses
    /// plus the model's regularisers — as the loop back-propagates it with a loss weighting (for gradient checks and
    /// tests; a training forward pass with <paramref name="context"/>). Null when no task has a label in the batch
    /// and the model has no regulariser.
    /// </summary>
    public Tensor? Objective(MultiTaskBatch batch, in ForwardContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_parallel is not null)
        {
            throw new InvalidOperationException("Objective() is one process's objective; under data parallelism (a GradientReducer) only the loop's updates are defined.");
        }

        var terms = ComputeTerms(batch, context, context.Step);
        return Scalarise(terms);
    }

    /// <summary>
    /// One update on <paramref name="batch"/> as update number <paramref name="step"/> (0-based), without callbacks
    /// or counters — for benchmarks and tests; <see cref="Train"/> is the loop. Call it inside an entered arena.
    /// </summary>
    public StepResult Update(MultiTaskBatch batch, long step)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return TrainStep(batch, step);
    }

    private Terms ComputeTerms(MultiTaskBatch batch, in ForwardContext ctx, long step)
    {
        IReadOnlyList<Tensor> outputs;
        _representation = null;
        if (Options.GradientSpace == GradientSpace.Representation && ctx.Training && Options.Aggregator is not null)
        {
            outputs = ((IRepresentationModel)Model).ForwardWithRepresentation(batch, ctx, out var z);
            _representation = z;
        }
        else
        {
            outputs = Model.Forward(batch, ctx);
        }

        int parts = batch.Parts.Count;
        var t = _terms is { } cached && cached.Tasks.Length == parts ? cached : new Terms(parts);
        _terms = t;
        t.Count = 0;
        t.Regularization = null;
        if (_partLosses.Length != parts)
        {
            _partLosses = new (Tensor, float)?[parts];
        }

        for (int i = 0; i < parts; i++)
        {
            _partLosses[i] = TaskLoss.Compute(Data.Tasks[batch.Parts[i].Task], outputs[i], batch.Parts[i].Targets);
            if (Options.Distillation is { } distiller && ctx.Training)
            {
                _partLosses[i] = distiller.Combine(batch.Parts[i], outputs[i], _partLosses[i]);
            }
        }

        _parallel?.AgreeLosses(_partLosses, Options.Noise);   // data parallelism: the whole batch's loss values
        for (int i = 0; i < parts; i++)
        {
            var part = batch.Parts[i];
            t.Tasks[i] = part.Task;
            var l = _partLosses[i];
            if (l is { } v)
            {
                t.Values[i] = LossGuard.Check(v.Loss, step, part.Task);
                t.Losses[t.Count] = v.Loss;
                t.Observations[t.Count] = v.Observations;
                t.PresentTasks[t.Count] = part.Task;
                t.Count++;
            }
            else
            {
                t.Values[i] = float.NaN;
            }
        }

        foreach (var r in Model.Regularizers)
        {
            if (r.Compute(batch, ctx) is { } term0)
            {
                var term = _parallel?.ShareRegularization(term0) ?? term0;
                t.Regularization = t.Regularization is null ? term : Ops.Add(t.Regularization, term);
            }
        }

        return t;
    }

    private Tensor? Scalarise(Terms t)
    {
        Tensor? objective = t.Count > 0
            ? _weighting.Combine(t.PresentTasks.AsSpan(0, t.Count), t.Losses.AsSpan(0, t.Count), t.Observations.AsSpan(0, t.Count))
            : null;
        if (t.Regularization is not null)
        {
            objective = objective is null ? t.Regularization : Ops.Add(objective, t.Regularization);
        }

        return objective;
    }

    /// <summary>One update on <paramref name="batch"/> (inside the caller's arena scope).</summary>
    private StepResult TrainStep(MultiTaskBatch batch, long step)
    {
        var ctx = new ForwardContext(step, true, Options.Noise, Options.Temperature.At(step));
        batch = _parallel?.Share(batch) ?? batch;   // data parallelism: this process's rows
        var terms = ComputeTerms(batch, ctx, step);
        foreach (var probe in _probes)
        {
            if (terms.Count > 0 && probe.Probes(step))
            {
                probe.Probe(CreateProbe(batch, ctx, terms, step));
            }
        }

        foreach (var opt in Options.Optimizers)
        {
            opt.ZeroGrad();
        }

        if (Options.Aggregator is { } aggregator && terms.Count > 0 && _representation is { } z)
        {
            AggregateRepresentation(aggregator, z, terms.PresentTasks[..terms.Count], terms.Losses.AsSpan(0, terms.Count), terms.Regularization);
        }
        else if (Options.Aggregator is { } aggregator2 && terms.Count > 0)
        {
            Aggregate(aggregator2, terms.PresentTasks[..terms.Count], terms.Losses.AsSpan(0, terms.Count), terms.Regularization);
        }
        else if (Scalarise(terms) is { } objective)
        {
            Autograd.Backward(objective);
        }

        if (_parallel is not null && !(Options.Aggregator is not null && terms.Count > 0))
        {
            _parallel.Reduce(null);   // the aggregator's path reduces its per-task rows with the gradients
        }

        if (Options.ClipNorm > 0)
        {
            GradClip.ClipGlobalNorm(_allParameters, Options.ClipNorm);
        }

        for (int i = 0; i < Options.Optimizers.Count; i++)
        {
            if (Options.Schedules?[i] is { } schedule)
            {
                schedule.Apply(Options.Optimizers[i], step);
            }

            Options.Optimizers[i].Step();
        }

        (_weighting as IStepAwareWeighting)?.OnStep(terms.Tasks, terms.Values, step);
        return new StepResult(step + 1, terms.Tasks, terms.Values);
    }

    /// <summary>
    /// The view of this update that probes get: the present tasks' losses, their gradients of the shared parameters
    /// (one <see cref="Autograd.Grad"/> per task over the update's graph; no parameter's gradient is touched), and
    /// lookahead losses (shared parameters moved, a forward pass without gradients on the same batch with a noise
    /// stream of its own — the same for every call of this update — then restored bit for bit).
    /// </summary>
    private StepProbe CreateProbe(MultiTaskBatch batch, ForwardContext ctx, Terms terms, long step)
    {
        int count = terms.Count;
        int[] tasks = terms.PresentTasks[..count];
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = terms.Losses[i].Span[0];
        }

        var losses = terms.Losses[..count];
        var shared = Model.SharedParameters.ToArray();
        var wrt = shared.Select(p => p.Value).ToList();
        int length = shared.Sum(p => p.Length);
        float[][] Gradients()
        {
            var rows = new float[count][];
            for (int i = 0; i < count; i++)
            {
                rows[i] = new float[length];
                Autograd.Grad(losses[i], wrt, rows[i]);
            }

            return rows;
        }

        ulong noiseSeed = 0x7A6F_1F3D_9B2C_4E51UL ^ (ulong)step;
        float[] Lookahead(float[]? delta)
        {
            var saved = delta is null ? null : new float[length];
            if (delta is not null)
            {
                int at = 0;
                foreach (var p in shared)
                {
                    p.Data.CopyTo(saved.AsSpan(at, p.Length));
                    System.Numerics.Tensors.TensorPrimitives.Add(p.Data, delta.AsSpan(at, p.Length), p.Data);
                    at += p.Length;
                }
            }

            try
            {
                using var noGrad = Autograd.NoGrad();
                var outputs = Model.Forward(batch, ctx with { Rng = new Rng(noiseSeed) });
                var result = new float[count];
                for (int k = 0; k < count; k++)
                {
                    result[k] = float.NaN;
                    for (int i = 0; i < batch.Parts.Count; i++)
                    {
                        if (batch.Parts[i].Task == tasks[k] && TaskLoss.Compute(Data.Tasks[tasks[k]], outputs[i], batch.Parts[i].Targets) is { } l)
                        {
                            result[k] = l.Loss.Span[0];
                            break;
                        }
                    }
                }

                return result;
            }
            finally
            {
                if (saved is not null)
                {
                    int at = 0;
                    foreach (var p in shared)
                    {
                        saved.AsSpan(at, p.Length).CopyTo(p.Data);
                        at += p.Length;
                    }
                }
            }
        }

        return new StepProbe(step, Options.Optimizers[0].Groups[0].LearningRate, tasks, values, shared, Gradients, Lookahead);
    }

    /// <summary>
    /// Per-task gradients of the shared parameters (one backward pass per task over the one graph), combined by the
    /// aggregator; the other parameters get the plain sum of the task gradients; regularisers add their gradient to all.
    /// </summary>
    private void Aggregate(IGradientAggregator aggregator, int[] tasks, ReadOnlySpan<Tensor> losses, Tensor? regularization)
    {
        var (shared, others, wrt, pShared, pAll) = _aggregationLayout ??= AggregationLayout();
        _matrix = _matrix is { } m && m.Columns == pShared ? m : new GradientMatrix(losses.Length, pShared);
        _matrix.Resize(losses.Length);
        if (_row is null || _row.Length != pAll)
        {
            _row = new float[pAll];
            _aggregated = new float[pShared];
        }

        var lossValues = GradientRows(losses, wrt, pShared, others);

        if (regularization is not null)
        {
            Autograd.Backward(regularization);
        }

        _parallel?.Reduce(_matrix);   // data parallelism: per-task rows and other gradients summed over processes
        var d = _aggregated.AsSpan();
        aggregator.Aggregate(_matrix, tasks, lossValues, d);
        int k = 0;
        foreach (var p in shared)
        {
            var g = p.Grad;
            System.Numerics.Tensors.TensorPrimitives.Add(g, d.Slice(k, p.Length), g);
            k += p.Length;
        }
    }

    /// <summary>
    /// One backward pass per task loss with respect to <paramref name="wrt"/>: the first <paramref name="rowLength"/>
    /// values (shared parameters, or the shared representation) become the task's row of the gradient matrix, the rest
    /// are added to the gradients of <paramref name="others"/> (in <paramref name="wrt"/>'s order after the row).
    /// Returns the loss values.
    /// </summary>
    private float[] GradientRows(ReadOnlySpan<Tensor> losses, List<Tensor> wrt, int rowLength, Parameter[] others)
    {
        var lossValues = new float[losses.Length];
        if (_gradTargets.Length != wrt.Count)
        {
            _gradTargets = new GradTarget[wrt.Count];
        }

        var targets = _gradTargets;
        for (int i = 0; i < losses.Length; i++)
        {
            lossValues[i] = losses[i].Span[0];

            // The row's tensors write straight into the matrix row, the others into _row (one backward pass, no copy).
            var (matrix, rowStart) = _matrix!.RowStorage(i);
            int offset = 0;
            for (int k = 0; k < wrt.Count; k++)
            {
                targets[k] = offset < rowLength ? new GradTarget(wrt[k], matrix, rowStart + offset) : new GradTarget(wrt[k], _row!, offset);
                offset += wrt[k].Length;
            }

            Autograd.GradInto(losses[i], targets);
            int at = rowLength;
            foreach (var p in others)
            {
                var g = p.Grad;
                System.Numerics.Tensors.TensorPrimitives.Add(g, _row.AsSpan(at, p.Length), g);
                at += p.Length;
            }
        }

        return lossValues;
    }

    /// <summary>
    /// Representation mode (MGDA-UB, LibMTL's rep_grad): per-task gradients with respect to the shared representation
    /// <paramref name="z"/> (each backward pass stops at z; the heads' parameters get their ordinary per-task
    /// gradients, summed), combined by the aggregator into one direction over z, which is then back-propagated once
    /// through the shared part. Regularisers add their gradient to everything.
    /// </summary>
    private void AggregateRepresentation(IGradientAggregator aggregator, Tensor z, int[] tasks, ReadOnlySpan<Tensor> losses, Tensor? regularization)
    {
        var (others, wrtOthers, pOthers) = _representationLayout ??= RepresentationLayout();
        int pz = z.Length;
        int rows = z.Shape[0];
        _matrix = _matrix is { } m && m.Columns == pz ? m : new GradientMatrix(losses.Length, pz);
        _matrix.Resize(losses.Length);
        _matrix.SampleWidth = rows > 0 ? pz / rows : pz;
        if (_row is null || _row.Length != pz + pOthers)
        {
            _row = new float[pz + pOthers];
            _aggregated = new float[pz];
        }

        var wrt = _representationWrt ??= new List<Tensor>(wrtOthers.Count + 1);
        wrt.Clear();
        wrt.Add(z);
        wrt.AddRange(wrtOthers);
        var lossValues = GradientRows(losses, wrt, pz, others);

        if (regularization is not null)
        {
            Autograd.Backward(regularization);
        }

        if (_parallel is null)
        {
            var d = _aggregated.AsSpan(0, pz);
            aggregator.Aggregate(_matrix, tasks, lossValues, d);
            Autograd.Backward(z, d);
            return;
        }

        // Data parallelism: the whole batch's rows, aggregated alike on every process; this process's rows of the
        // direction go back through its share of the trunk; then the parameters' gradients are summed.
        var whole = _parallel.GatherRepresentation(_matrix, _matrix.SampleWidth);
        if (_wholeDirection.Length != whole.Columns)
        {
            _wholeDirection = new float[whole.Columns];
        }

        aggregator.Aggregate(whole, tasks, lossValues, _wholeDirection);
        var (start, _) = _parallel.Range(_parallel.BatchRows);
        Autograd.Backward(z, _wholeDirection.AsSpan(start * whole.SampleWidth, pz));
        _parallel.Reduce(null);
    }

    /// <summary>The parameters outside the shared representation's part (heads), for representation mode.</summary>
    private (Parameter[] Others, List<Tensor> Wrt, int Length) RepresentationLayout()
    {
        var repSet = new HashSet<Parameter>(((IRepresentationModel)Model).RepresentationParameters);
        var others = _allParameters.Where(p => !repSet.Contains(p)).ToArray();
        return (others, others.Select(p => p.Value).ToList(), others.Sum(p => p.Length));
    }

    /// <summary>
    /// Shared parameters, the others, both as one list of tensors (shared first) for <see cref="Autograd.Grad"/>, and
    /// their lengths: fixed for the run, computed once.
    /// </summary>
    private (Parameter[] Shared, Parameter[] Others, List<Tensor> Wrt, int SharedLength, int TotalLength) AggregationLayout()
    {
        var shared = Model.SharedParameters.ToArray();
        var sharedSet = new HashSet<Parameter>(shared);
        var others = _allParameters.Where(p => !sharedSet.Contains(p)).ToArray();
        var wrt = new List<Tensor>(shared.Length + others.Length);
        wrt.AddRange(shared.Select(p => p.Value));
        wrt.AddRange(others.Select(p => p.Value));
        return (shared, others, wrt, shared.Sum(p => p.Length), wrt.Sum(t => t.Length));
    }

    internal void SaveState(StateBag bag)
    {
        var loop = bag.Scope("loop");
        loop.SetLong("step", _run.Step);
        loop.SetDouble("trainSeconds", TrainSeconds);
        loop.SetDouble("bestScore", _run.BestScore);
        loop.SetLong("bestStep", _run.BestStep);
        loop.SetLong("hasBest", _hasBest ? 1 : 0);
        loop.SetLong("lastEvaluationStep", _lastEvaluationStep);
        loop.SetLong("finished", _run.Finished ? 1 : 0);
        loop.SetString("stopReason", _run.StopRequested ? _run.StopReason ?? "" : "");
        loop.SetRng("noise", Options.Noise);

        // Optimizers skip parameters that never had a gradient (PyTorch's None) but step those with a zeroed one (momentum
        // moves them); which is which is state too.
        loop.SetInts("hasGradient", Enumerable.Range(0, _allParameters.Length).Where(i => _allParameters[i].HasGrad).ToArray());
        Options.Sampler.SaveState(bag.Scope("sampler"));
        Data.SaveState(bag.Scope("data"));
        if (Options.Aggregator is IStatefulPart aggregator)
        {
            aggregator.SaveState(bag.Scope("aggregator"));
        }

        (_weighting as IStatefulPart)?.SaveState(bag.Scope("weighting"));

        for (int i = 0; i < _strategyParameters.Length; i++)
        {
            bag.SetArray($"strategy/{i}", _strategyParameters[i].Data);
        }

        foreach (var cb in _callbacks)
        {
            cb.SaveState(bag.Scope("callbacks/" + cb.Name));
        }
    }

    private void LoadState(StateBag bag)
    {
        var loop = bag.Scope("loop");
        _run.Step = loop.GetLong("step");
        if (_run.Step > Options.TotalSteps)
        {
            throw new InvalidDataException($"The checkpoint is at update {_run.Step}, beyond this run's {Options.TotalSteps}.");
        }

        _secondsBefore = loop.GetDouble("trainSeconds");
        _watch.Reset();
        _run.BestScore = loop.GetDouble("bestScore");
        _run.BestStep = loop.GetLong("bestStep");
        _hasBest = loop.GetLong("hasBest") != 0;
        _lastEvaluationStep = loop.GetLong("lastEvaluationStep");
        _run.Finished = loop.GetLong("finished") != 0;
        _run.Cancelled = false;
        string reason = loop.GetString("stopReason");
        _run.ClearStop();
        if (reason.Length > 0)
        {
            _run.RequestStop(reason);
        }

        loop.LoadRng("noise", Options.Noise);
        foreach (int i in loop.GetInts("hasGradient"))
        {
            if ((uint)i >= (uint)_allParameters.Length)
            {
                throw new InvalidDataException($"The saved trainer state names parameter {i} of {_allParameters.Length}.");
            }

            _allParameters[i].Grad.Clear();
        }

        Options.Sampler.LoadState(bag.Scope("sampler"));
        Data.LoadState(bag.Scope("data"));
        if (Options.Aggregator is IStatefulPart aggregator)
        {
            aggregator.LoadState(bag.Scope("aggregator"));
        }

        (_weighting as IStatefulPart)?.LoadState(bag.Scope("weighting"));

        for (int i = 0; i < _strategyParameters.Length; i++)
        {
            float[] v = bag.GetArray($"strategy/{i}");
            if (v.Length != _strategyParameters[i].Length)
            {
                throw new InvalidDataException($"The saved strategy parameter {i} has {v.Length} values, the run's {_strategyParameters[i].Length}.");
            }

            v.CopyTo(_strategyParameters[i].Data);
        }

        foreach (var cb in _callbacks)
        {
            cb.LoadState(bag.Scope("callbacks/" + cb.Name));
        }
    }

    /// <summary>The per-task terms of one step.</summary>
    private sealed class Terms(int parts)
    {
        public int[] Tasks { get; } = new int[parts];

        public float[] Values { get; } = new float[parts];

        public Tensor[] Losses { get; } = new Tensor[parts];

        public float[] Observations { get; } = new float[parts];

        public int[] PresentTasks { get; } = new int[parts];

        public int Count { get; set; }

        public Tensor? Regularization { get; set; }
    }
}
