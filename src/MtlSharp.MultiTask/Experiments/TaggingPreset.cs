namespace MtlSharp.MultiTask.Experiments;

/// <summary>The multi-domain sequence-tagging experiments on UD English-EWT (stand-in for the sluice paper's OntoNotes).</summary>
public enum TaggingPreset
{
    /// <summary>Main task: base dependency relation; auxiliary: UPOS. Train on one genre, test on all five.</summary>
    EwtDomains,

    /// <summary>As <see cref="EwtDomains"/> with XPOS as a second auxiliary task.</summary>
    EwtDomainsXpos,
}
