namespace MtlSharp.NN.Init;

/// <summary>Nonlinearities known to <see cref="TensorInit.Gain"/> (PyTorch's <c>calculate_gain</c>).</summary>
public enum Nonlinearity
{
    /// <summary>Identity / linear / convolution: gain 1.</summary>
    Linear,

    /// <summary>Sigmoid: gain 1.</summary>
    Sigmoid,

    /// <summary>Tanh: gain 5/3.</summary>
    Tanh,

    /// <summary>ReLU: gain √2.</summary>
    Relu,

    /// <summary>Leaky ReLU with negative slope a: gain √(2 / (1 + a²)).</summary>
    LeakyRelu,
}
