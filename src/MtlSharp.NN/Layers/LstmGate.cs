namespace MtlSharp.NN.Layers;

/// <summary>The four LSTM gate blocks, in PyTorch's row order of <c>weight_ih</c>/<c>weight_hh</c>/biases.</summary>
public enum LstmGate
{
    /// <summary>Input gate i: rows [0, H).</summary>
    Input = 0,

    /// <summary>Forget gate f: rows [H, 2H).</summary>
    Forget = 1,

    /// <summary>Cell candidate g: rows [2H, 3H).</summary>
    Cell = 2,

    /// <summary>Output gate o: rows [3H, 4H).</summary>
    Output = 3,
}
