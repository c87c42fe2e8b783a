namespace MtlSharp.Data.Images;

/// <summary>
/// The 4-MNISTs task set of the Gumbel-Matrix paper (Sec. V-A): tasks MNIST, MNIST, MNIST-rot, MNIST-rot, where
/// MNIST-rot is every image rotated by 90°. The two copies of a task share the same arrays (same instances); they
/// differ only in the order a trainer visits the examples.
/// </summary>
/// <remarks>
/// The rotation direction does not matter for the method. The default is counter-clockwise, as the official code
/// (<c>tf.image.rot90</c>); the paper's text and the peer script <c>mnist4.py</c> rotate clockwise.
/// </remarks>
public static class FourMnists
{
    /// <summary>Task names, in order.</summary>
    public static readonly IReadOnlyList<string> TaskNames = ["MNIST-1", "MNIST-2", "MNIST-rot-1", "MNIST-rot-2"];

    /// <summary>Builds the four tasks from already loaded MNIST train and test sets.</summary>
    public static IReadOnlyList<ImageTask> Create(LabeledImages train, LabeledImages test, RotationDirection direction = RotationDirection.CounterClockwise)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        LabeledImages trainRot = train.Rotate90(direction), testRot = test.Rotate90(direction);
        return
        [
            new ImageTask(TaskNames[0], train, test, 10),
            new ImageTask(TaskNames[1], train, test, 10),
            new ImageTask(TaskNames[2], trainRot, testRot, 10),
            new ImageTask(TaskNames[3], trainRot, testRot, 10),
        ];
    }

    /// <summary>Loads MNIST from <paramref name="mnistDirectory"/> and builds the four tasks.</summary>
    public static IReadOnlyList<ImageTask> Load(string mnistDirectory, RotationDirection direction = RotationDirection.CounterClockwise) =>
        Create(Mnist.LoadTrain(mnistDirectory), Mnist.LoadTest(mnistDirectory), direction);
}
