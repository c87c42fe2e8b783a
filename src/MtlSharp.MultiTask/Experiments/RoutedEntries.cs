namespace MtlSharp.MultiTask.Experiments;

/// <summary>The routed family's entries of a run's configuration (display strings).</summary>
/// <param name="RouterLearningRate">The router logits' learning rate.</param>
/// <param name="Budget">The budget, or "none".</param>
/// <param name="Temperature">The Gumbel-Softmax temperature schedule.</param>
/// <param name="Combine">How active components are combined.</param>
internal readonly record struct RoutedEntries(string RouterLearningRate, string Budget, string Temperature, string Combine);
