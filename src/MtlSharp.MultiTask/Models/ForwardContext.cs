using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models;

/// <summary>What a forward pass needs besides its batch.</summary>
/// <param name="Step">Updates done before this pass.</param>
/// <param name="Training">Training pass (sampling, dropout, noise on) or evaluation.</param>
/// <param name="Rng">The stream of every random draw of the pass (Gumbel noise, dropout, input noise).</param>
/// <param name="Temperature">The scheduled Gumbel-Softmax temperature for this step (1 where unused).</param>
public readonly record struct ForwardContext(long Step, bool Training, Rng Rng, float Temperature);
