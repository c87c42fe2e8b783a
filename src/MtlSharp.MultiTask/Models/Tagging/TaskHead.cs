using MtlSharp.NN;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Tagging;

/// <summary>A task's output layer (spec B1): Linear(in, 100) → ReLU → Linear(100, tags); softmax is in the loss.</summary>
public sealed class TaskHead : Module
{
    private readonly Linear _hidden;
    private readonly Linear _output;

    /// <summary>Creates the head.</summary>
    public TaskHead(int inputSize, int hiddenSize, int tags, Rng rng)
    {
        _hidden = RegisterModule("hidden", new Linear(inputSize, hiddenSize, rng));
        _output = RegisterModule("output", new Linear(hiddenSize, tags, rng));
    }

    /// <summary>Linear(in, hidden), followed by ReLU (for exporters).</summary>
    internal Linear Hidden => _hidden;

    /// <summary>Linear(hidden, tags) (for exporters).</summary>
    internal Linear Output => _output;

    /// <summary>x [N, in] → logits [N, tags].</summary>
    public Tensor Forward(Tensor x) => _output.Forward(Ops.Relu(_hidden.Forward(x)));
}
