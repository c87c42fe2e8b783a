namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// The input of a batch part. Models accept the input kinds they understand (<see cref="TensorInput"/> for dense
/// inputs, <see cref="SentenceInput"/> for token sequences) and reject others with a clear error. Parts of one batch
/// may share one input object (a tagger reads one sentence batch for all its tasks).
/// </summary>
public abstract class BatchInput;
