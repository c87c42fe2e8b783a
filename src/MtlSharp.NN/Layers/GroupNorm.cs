using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>
/// Group normalisation (Wu &amp; He 2018), PyTorch's <c>nn.GroupNorm</c>: x [N, C, *] normalised over groups of
/// C/groups channels, then scaled by <c>weight</c> [C] (ones) and shifted by <c>bias</c> [C] (zeros).
/// </summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer (<paramref name="channels"/> divisible by <paramref name="groups"/>).</summary>
    public GroupNorm(int groups, int channels, float eps = 1e-5f, bool affine = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (channels % groups != 0)
        {
            throw new ArgumentException($"GroupNorm: {channels} channels cannot be split into {groups} groups.", nameof(groups));
        }

        Groups = groups;
        Channels = channels;
        Eps = eps;
        if (affine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones(channels));
            Bias = RegisterParameter("bias", Tensor.Zeros(channels));
        }
    }

    /// <summary>Number of groups.</summary>
    public int Groups { get; }

    /// <summary>Number of channels.</summary>
    public int Channels { get; }

    /// <summary>Variance epsilon.</summary>
    public float Eps { get; }

    /// <summary>Per-channel scale γ [C], or null without affine.</summary>
    public Parameter? Weight { get; }

    /// <summary>Per-channel shift β [C], or null without affine.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Ops.GroupNorm(input, Groups, Weight?.Value, Bias?.Value, Eps);
}
