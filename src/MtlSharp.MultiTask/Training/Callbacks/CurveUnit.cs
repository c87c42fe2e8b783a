namespace MtlSharp.MultiTask.Training.Callbacks;

/// <summary>The x axis of recorded curves.</summary>
public enum CurveUnit
{
    /// <summary>Updates.</summary>
    Updates,

    /// <summary>Epochs (updates / steps per epoch).</summary>
    Epochs,
}
