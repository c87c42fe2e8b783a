namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// The Gumbel-Softmax temperature τ as a function of the number of updates so far. The paper only says
/// "annealing"; <see cref="Annealed"/> is the authors' released schedule τ = max(τ_min, τ_init/√(n+1)) with
/// τ_init = 50, τ_min = 0.5 (spec A3, D1), the default. <see cref="Constant"/> is what the peer reference used by
/// default (τ = 1).
/// </summary>
/// <param name="Initial">τ_init (or the constant τ).</param>
/// <param name="Minimum">τ_min; equal to <paramref name="Initial"/> for a constant schedule.</param>
public sealed record TemperatureSchedule(float Initial, float Minimum)
{
    /// <summary>The released code's schedule: max(0.5, 50/√(n+1)).</summary>
    public static TemperatureSchedule Annealed { get; } = new(50f, 0.5f);

    /// <summary>A constant temperature.</summary>
    public static TemperatureSchedule Constant(float tau) => new(tau, tau);

    /// <summary>τ after <paramref name="updates"/> optimizer updates.</summary>
    public float At(long updates) => MathF.Max(Minimum, Initial / MathF.Sqrt(updates + 1f));
}
