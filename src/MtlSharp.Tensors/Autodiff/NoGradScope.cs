namespace MtlSharp.Tensors.Autodiff;

/// <summary>While alive, ops record no graph (evaluation, optimizer updates). Obtained from <see cref="Autograd.NoGrad"/>.</summary>
public readonly struct NoGradScope : IDisposable
{
    private readonly bool _previous;
    private readonly bool _active;

    internal NoGradScope(bool previous)
    {
        _previous = previous;
        _active = true;
    }

    /// <summary>Restores the previous recording state.</summary>
    public void Dispose()
    {
        if (_active)
        {
            Autograd.SetEnabled(_previous);
        }
    }
}
