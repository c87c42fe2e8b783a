namespace MtlSharp.Data.Images;

/// <summary>An image classification task with its train and test sets.</summary>
/// <param name="Name">Display name (unique within a task set).</param>
/// <param name="Train">Training images and labels.</param>
/// <param name="Test">Test images and labels.</param>
/// <param name="NumClasses">Number of classes.</param>
public sealed record ImageTask(string Name, LabeledImages Train, LabeledImages Test, int NumClasses)
{
    /// <summary>The task as the training loop sees it: classification over <see cref="NumClasses"/> classes, accuracy.</summary>
    public Tasks.TaskInfo Info => Tasks.TaskInfo.Classification(Name, NumClasses);
}
