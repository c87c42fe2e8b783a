namespace MtlSharp.NN;

/// <summary>
/// The kind of a <see cref="Parameter"/>: a <see cref="ParameterRole"/> plus, for <see cref="ParameterRole.Task"/>,
/// the task index. <c>default</c> is <see cref="Shared"/>. Compare kinds by value or filter with
/// <see cref="Module.Parameters(Func{ParameterKind, bool})"/>.
/// </summary>
public readonly record struct ParameterKind
{
    // Stored as index + 1 so that default(ParameterKind) equals Shared with TaskIndex -1.
    private readonly int _taskPlusOne;

    private ParameterKind(ParameterRole role, int taskIndex)
    {
        Role = role;
        _taskPlusOne = taskIndex + 1;
    }

    /// <summary>The role.</summary>
    public ParameterRole Role { get; }

    /// <summary>The task index for <see cref="ParameterRole.Task"/>; -1 for every other role.</summary>
    public int TaskIndex => _taskPlusOne - 1;

    /// <summary>Parameters shared by all tasks.</summary>
    public static ParameterKind Shared => new(ParameterRole.Shared, -1);

    /// <summary>Routing parameters.</summary>
    public static ParameterKind Routing => new(ParameterRole.Routing, -1);

    /// <summary>Strategy parameters.</summary>
    public static ParameterKind Strategy => new(ParameterRole.Strategy, -1);

    /// <summary>Parameters owned by task <paramref name="taskIndex"/> (≥ 0).</summary>
    public static ParameterKind Task(int taskIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(taskIndex);
        return new(ParameterRole.Task, taskIndex);
    }

    /// <summary>True for shared parameters.</summary>
    public bool IsShared => Role == ParameterRole.Shared;

    /// <summary>True for parameters of any task.</summary>
    public bool IsTask => Role == ParameterRole.Task;

    /// <summary>True when this is <see cref="ParameterRole.Task"/> for task <paramref name="taskIndex"/>.</summary>
    public bool IsTaskOf(int taskIndex) => Role == ParameterRole.Task && TaskIndex == taskIndex;

    /// <summary>"Shared", "Task(2)", "Routing" or "Strategy".</summary>
    public override string ToString() => Role == ParameterRole.Task ? $"Task({TaskIndex})" : Role.ToString();
}
