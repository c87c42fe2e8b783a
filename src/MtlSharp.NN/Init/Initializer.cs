using MtlSharp.Tensors;

namespace MtlSharp.NN.Init;

/// <summary>
/// A typed choice of initialisation (no strings): pass one to a layer to override its PyTorch default, e.g.
/// <c>new Linear(64, 10, rng, weightInit: new Initializer.XavierUniform())</c>. Each case applies the matching
/// <see cref="TensorInit"/> function.
/// </summary>
public abstract record Initializer
{
    private Initializer()
    {
    }

    /// <summary>Fills <paramref name="tensor"/> in place.</summary>
    public abstract void Apply(Tensor tensor, Rng rng);

    /// <summary>All zeros.</summary>
    public sealed record Zeros : Initializer
    {
        /// <inheritdoc />
        public override void Apply(Tensor tensor, Rng rng) => TensorInit.Zeros(tensor);
    }

    /// <summary>All ones.</summary>
    public sealed record Ones : Initializer
    {
        /// <inheritdoc />
        public override void Apply(Tensor tensor, Rng rng) => TensorInit.Ones(tensor);
    }

    /// <summary>A constant.</summary>
    public sealed record Constant(float Value) : Initializer
    {
        /// <inheritdoc />
        public override void Apply(Tensor tensor, Rng rng) => TensorInit.Constant(tensor, Value);
    }

    /// <summary>U[Low, High).</summary>
    public sealed record Uniform(float Low, float High) : Initializer
    {
        /// <inheritdoc />
        public override void Apply(Tensor tensor, Rng rng) => TensorInit.Uniform(tensor, Low, High, rng);
    }

    /// <summary>N(Mean, Std²).</summary>
    public sealed record Normal(float Mean = 0f, float Std = 1f) : Initializer
    {
        /// <inheritdoc />
        public override void Apply(Tensor tensor, Rng rng) => TensorInit.Normal(tensor, Mean, Std, rng);
    }

    /// <summary>Glorot uniform (see <see cref="TensorInit.XavierUniform"/>).</summary>
    public sealed record XavierUniform(float Gain = 1f) : Initializer
    {
        /// <inheritdoc />
        public override void Apply(Tensor tensor, Rng rng) => TensorInit.XavierUniform(tensor, rng, Gain);
    }

    /// <summary>Glorot normal (see <see cref="TensorInit.XavierNormal"/>).</summary>
    public sealed record XavierNormal(float Gain = 1f) : Initializer
    {
        /// <inheritdoc />
        public override void Apply(Tensor tensor, Rng rng) => TensorInit.XavierNormal(tensor, rng, Gain);
    }

    /// <summary>He uniform (see <see cref="TensorInit.KaimingUniform"/>).</summary>
    public sealed record KaimingUniform(float A = 0f, FanMode Mode = FanMode.FanIn, Nonlinearity Nonlinearity = Nonlinearity.LeakyRelu) : Initializer
    {
        /// <inheritdoc />
        public override void Apply(Tensor tensor, Rng rng) => TensorInit.KaimingUniform(tensor, rng, A, Mode, Nonlinearity);
    }

    /// <summary>He normal (see <see cref="TensorInit.KaimingNormal"/>).</summary>
    public sealed record KaimingNormal(float A = 0f, FanMode Mode = FanMode.FanIn, Nonlinearity Nonlinearity = Nonlinearity.LeakyRelu) : Initializer
    {
        /// <inheritdoc />
        public override void Apply(Tensor tensor, Rng rng) => TensorInit.KaimingNormal(tensor, rng, A, Mode, Nonlinearity);
    }

    /// <summary>PyTorch's Linear/Conv weight default, <c>kaiming_uniform_(a=√5)</c> = U(±1/√fan_in).</summary>
    public sealed record PyTorchDefault : Initializer
    {
        /// <inheritdoc />
        public override void Apply(Tensor tensor, Rng rng) => TensorInit.DefaultWeight(tensor, rng);
    }
}
