namespace MtlSharp.Tensors.Tests;

/// <summary>
/// Tests that change <see cref="Threading.ThreadCount"/> (a process-wide setting) join this collection, which runs
/// on its own, never in parallel with other test collections.
/// </summary>
[CollectionDefinition("Threading", DisableParallelization = true)]
public sealed class ThreadingCollection
{
}
