namespace MtlSharp.NN;

/// <summary>Fluent helpers for modules.</summary>
public static class ModuleExtensions
{
    /// <summary>
    /// Tags every parameter of <paramref name="module"/> with <paramref name="kind"/> and returns the module, e.g.
    /// <c>RegisterModule("tower0", new Linear(64, 10, rng).WithKind(ParameterKind.Task(0)))</c>.
    /// </summary>
    public static T WithKind<T>(this T module, ParameterKind kind)
        where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        module.SetKind(kind);
        return module;
    }
}
