using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>A per-example gate over experts: x [N, in] → weights [N, experts].</summary>
internal interface IExpertGate
{
    /// <summary>Number of experts the gate weighs.</summary>
    int Experts { get; }

    /// <summary>Gate weights [N, experts] for x [N, in]; <paramref name="training"/> lets a gate record what its regulariser needs.</summary>
    Tensor Forward(Tensor x, bool training);
}
