namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Tests only: the kernel paths forced on the current thread, set for a scope with
/// <c>using (KernelOverrides.Force(new KernelPathOverride { Implicit = true })) { … }</c>.
/// </summary>
/// <remarks>
/// One thread-static value. Kernels read it on the calling thread while they choose a path and lay out the work,
/// before anything is handed to <see cref="Threading.For"/>, so the worker threads never need it; and tests that
/// run in parallel on other threads never see each other's overrides. Not an <see cref="AsyncLocal{T}"/>: the
/// worker pool's threads are created lazily by whichever thread first needs them and would capture an override
/// active at that moment in their execution context for good. Scopes nest: disposing one restores the value it
/// replaced.
/// </remarks>
internal static class KernelOverrides
{
    [ThreadStatic]
    private static KernelPathOverride t_current;

    /// <summary>The paths forced on this thread (the default value when none are).</summary>
    public static KernelPathOverride Current => t_current;

    /// <summary>Forces <paramref name="paths"/> on this thread until the returned scope is disposed.</summary>
    public static Scope Force(KernelPathOverride paths)
    {
        var previous = t_current;
        t_current = paths;
        return new Scope(previous);
    }

    /// <summary>Restores, when disposed, the override that <see cref="Force"/> replaced.</summary>
    internal readonly struct Scope : IDisposable
    {
        private readonly KernelPathOverride _previous;

        public Scope(KernelPathOverride previous)
        {
            _previous = previous;
        }

        /// <summary>Restores the previous override on this thread.</summary>
        public void Dispose() => t_current = _previous;
    }
}
