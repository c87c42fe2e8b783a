namespace MtlSharp.Cli.Tests;

/// <summary>Tests that start child processes run one at a time (the machine has 2 cores).</summary>
[CollectionDefinition("processes", DisableParallelization = true)]
public sealed class ProcessesCollection;
