using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.MultiInput;

/// <summary>
/// The encoder of one input type of a <see cref="MultiInputModel"/> (bags of letter trigrams, token sequences, table
/// rows, images): a batch of its inputs → one row of <see cref="OutputWidth"/> features per example, the width of
/// the model's shared core. Encoders reject input types they do not read with a clear error.
/// </summary>
public interface IInputEncoder
{
    /// <summary>The module holding the encoder's parameters.</summary>
    Module Module { get; }

    /// <summary>The input type's name in configurations and messages ("trigram", "bilstm", "dense", …).</summary>
    string Name { get; }

    /// <summary>Features per example (the core's width).</summary>
    int OutputWidth { get; }

    /// <summary>Examples in <paramref name="input"/> (rows of the encoded output).</summary>
    int Rows(BatchInput input);

    /// <summary><paramref name="input"/> → [rows, <see cref="OutputWidth"/>].</summary>
    Tensor Encode(BatchInput input, in ForwardContext context);
}
