using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Distillation;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Distillation;

public sealed class SoftTargetsTests
{
    private static readonly float[] Student = [1.0f, -0.5f, 2.0f, 0.3f, 0.3f, -1.2f];
    private static readonly float[] Teacher = [2.5f, 0.0f, -1.0f, -0.7f, 1.1f, 0.4f];

    private static Tensor Leaf(float[] values, params int[] dims)
    {
        var x = Tensor.FromArray(values, dims);
        x.RequiresGrad = true;
        return x;
    }

    private static double[] Softmax(ReadOnlySpan<float> z, double t)
    {
        var e = new double[z.Length];
        double max = double.NegativeInfinity;
        foreach (float v in z)
        {
            max = Math.Max(max, v / t);
        }

        for (int j = 0; j < z.Length; j++)
        {
            e[j] = Math.Exp((z[j] / t) - max);
        }

        double s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(2f)]
    [InlineData(5f)]
    public void CategoricalIsTSquaredTimesTheWeightedMeanKlComputedByHand(float temperature)
    {
        float[] w = [1f, 3f];
        double expected = 0;
        for (int i = 0; i < 2; i++)
        {
            var p = Softmax(Teacher.AsSpan(i * 3, 3), temperature);
            var q = Softmax(Student.AsSpan(i * 3, 3), temperature);
            double kl = 0;
            for (int j = 0; j < 3; j++)
            {
                kl += p[j] * Math.Log(p[j] / q[j]);
            }

            expected += w[i] * kl;
        }

        expected = expected / 4 * temperature * temperature;
        float got = SoftTargets.Categorical(Tensor.FromArray(Student, 2, 3), Teacher, temperature, w)!.Item();
        Assert.Equal(expected, got, 5);
        Assert.True(expected > 0.01);
    }

    [Fact]
    public void TheKlIsZeroWhenStudentAndTeacherAgreeAndNullWithoutWeightedRows()
    {
        Assert.Equal(0f, SoftTargets.Categorical(Tensor.FromArray(Teacher, 2, 3), Teacher, 3f)!.Item(), 5);
        Assert.Equal(0f, SoftTargets.Bernoulli(Tensor.FromArray(Teacher, 2, 3), Teacher, 3f)!.Item(), 5);
        Assert.Equal(0f, SoftTargets.ToFixed(Tensor.FromArray(Teacher, 2, 3), Teacher)!.Item(), 5);
        Assert.Null(SoftTargets.Categorical(Tensor.FromArray(Student, 2, 3), Teacher, 2f, [0f, 0f]));
        Assert.Null(SoftTargets.Squared(Tensor.FromArray(Student, 6, 1), Teacher, [0f, 0f, 0f, 0f, 0f, 0f]));
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(4f)]
    public void TheGradientIsTTimesSoftStudentMinusSoftTeacher(float temperature)
    {
        // Hinton et al.: d(T²·KL)/dz = T·(q − p) per row (here divided by the 2 rows of the mean): T² keeps the soft
        // term's gradient on the scale of the hard loss's as T grows.
        var z = Leaf(Student, 2, 3);
        var loss = SoftTargets.Categorical(z, Teacher, temperature)!;
        var grad = new float[6];
        Autograd.Grad(loss, [z], grad);
        for (int i = 0; i < 2; i++)
        {
            var p = Softmax(Teacher.AsSpan(i * 3, 3), temperature);
            var q = Softmax(Student.AsSpan(i * 3, 3), temperature);
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(temperature * (q[j] - p[j]) / 2, grad[(i * 3) + j], 5);
            }
        }
    }

    [Fact]
    public void EverySoftTargetLossPassesAFiniteDifferenceCheck()
    {
        float[] w = [0.5f, 2f];
        GradCheck.Check("soft-targets/categorical", a => SoftTargets.Categorical(a[0], Teacher, 2.5f, w)!, [Leaf(Student, 2, 3)]);
        GradCheck.Check("soft-targets/bernoulli", a => SoftTargets.Bernoulli(a[0], Teacher, 1.5f, w)!, [Leaf(Student, 2, 3)]);
        GradCheck.Check("soft-targets/to-fixed", a => SoftTargets.ToFixed(a[0], Teacher, w)!, [Leaf(Student, 2, 3)]);
        GradCheck.Check("soft-targets/squared", a => SoftTargets.Squared(a[0], Teacher, w)!, [Leaf(Student, 2, 3)]);
    }

    [Fact]
    public void BernoulliAndSquaredMatchHandComputations()
    {
        const double T = 2;
        double bern = 0;
        for (int k = 0; k < 6; k++)
        {
            double p = 1 / (1 + Math.Exp(-Teacher[k] / T)), q = 1 / (1 + Math.Exp(-Student[k] / T));
            bern += (p * Math.Log(p / q)) + ((1 - p) * Math.Log((1 - p) / (1 - q)));
        }

        Assert.Equal(bern / 6 * T * T, SoftTargets.Bernoulli(Tensor.FromArray(Student, 2, 3), Teacher, (float)T)!.Item(), 4);
        double sq = Student.Zip(Teacher, (a, b) => (double)(a - b) * (a - b)).Sum() / 6;
        Assert.Equal(sq, SoftTargets.Squared(Tensor.FromArray(Student, 2, 3), Teacher)!.Item(), 4);
        Assert.Equal(sq, SoftTargets.ForTask(TaskKind.Regression, Tensor.FromArray(Student, 6, 1), Teacher, 9f)!.Item(), 4);   // no temperature
    }

    [Fact]
    public void BadArgumentsAreClearErrors()
    {
        var z = Tensor.FromArray(Student, 2, 3);
        Assert.Contains("temperature", Assert.Throws<ArgumentOutOfRangeException>(() => SoftTargets.Categorical(z, Teacher, 0f)).Message, StringComparison.Ordinal);
        Assert.Contains("5 target logits", Assert.Throws<ArgumentException>(() => SoftTargets.Categorical(z, Teacher.AsSpan(0, 5), 1f)).Message, StringComparison.Ordinal);
        Assert.Contains("row weights", Assert.Throws<ArgumentException>(() => SoftTargets.Categorical(z, Teacher, 1f, [1f])).Message, StringComparison.Ordinal);
        Assert.Contains("[0, 1]", Assert.Throws<ArgumentException>(() => new SoftTargetSettings(1.5f, 2f).Validate("a")).Message, StringComparison.Ordinal);
    }
}
