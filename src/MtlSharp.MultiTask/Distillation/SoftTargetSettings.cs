namespace MtlSharp.MultiTask.Distillation;

/// <summary>
/// How one task of a student learns from its teacher: loss = (1 − λ)·hard + λ·T²·KL(softmax(teacher/T) ‖
/// softmax(student/T)) (Hinton et al. 2015).
/// </summary>
/// <param name="Alpha">λ ∈ [0, 1], the soft term's share (0: the plain multi-task loss; 1: soft targets only).</param>
/// <param name="Temperature">T &gt; 0, the softmax temperature of both sides (regression tasks ignore it).</param>
public readonly record struct SoftTargetSettings(float Alpha, float Temperature)
{
    /// <summary>The default λ: hard and soft targets weighted equally.</summary>
    public const float DefaultAlpha = 0.5f;

    /// <summary>
    /// The default temperature, T = 2: soft enough that a confident teacher's second choices carry signal, within the
    /// range (1–20) Hinton et al. report and at the low end that suits small students.
    /// </summary>
    public const float DefaultTemperature = 2f;

    /// <summary>λ = 0.5, T = 2.</summary>
    public static SoftTargetSettings Default => new(DefaultAlpha, DefaultTemperature);

    /// <summary>Throws for λ outside [0, 1] or T not a finite number &gt; 0, naming <paramref name="task"/>.</summary>
    public void Validate(string task)
    {
        if (!(Alpha >= 0 && Alpha <= 1))
        {
            throw new ArgumentException($"Task '{task}': the soft-target weight λ must be in [0, 1], got {Alpha}.");
        }

        if (!(Temperature > 0) || !float.IsFinite(Temperature))
        {
            throw new ArgumentException($"Task '{task}': the temperature must be a finite number > 0, got {Temperature}.");
        }
    }
}
