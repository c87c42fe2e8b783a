using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.NN.Tests;

public sealed class ModuleTests
{
    private sealed class Block : Module<Tensor, Tensor>
    {
        public Block(Rng rng)
        {
            Scale = RegisterParameter("scale", Tensor.Ones(3));
            Fc = RegisterModule("fc", new Linear(3, 3, rng));
            Norm = RegisterModule("norm", new LayerNorm(3));
        }

        public Parameter Scale { get; }

        public Linear Fc { get; }

        public LayerNorm Norm { get; }

        public override Tensor Forward(Tensor input) => Norm.Forward(Fc.Forward(input * Scale.Value));
    }

    private sealed class Net : Module<Tensor, Tensor>
    {
        public Net(Rng rng)
        {
            Layers = RegisterModule("layers", new Sequential(new Block(rng), new Relu(), new Block(rng)));
            Head = RegisterModule("head", new Linear(3, 2, rng).WithKind(ParameterKind.Task(1)));
            Logits = RegisterParameter("logits", Tensor.Zeros(2, 2), ParameterKind.Routing);
            Drop = RegisterModule("drop", new Dropout(0.5f, rng.Split()));
        }

        public Sequential Layers { get; }

        public Linear Head { get; }

        public Parameter Logits { get; }

        public Dropout Drop { get; }

        public override Tensor Forward(Tensor input) => Head.Forward(Drop.Forward(Layers.Forward(input)));
    }

    [Fact]
    public void NamedParameters_WalksOwnThenChildrenInRegistrationOrder()
    {
        var net = new Net(new Rng(1));
        string[] expected =
        [
            "logits",
            "layers.0.scale", "layers.0.fc.weight", "layers.0.fc.bias", "layers.0.norm.weight", "layers.0.norm.bias",
            "layers.2.scale", "layers.2.fc.weight", "layers.2.fc.bias", "layers.2.norm.weight", "layers.2.norm.bias",
            "head.weight", "head.bias",
        ];
        Assert.Equal(expected, net.NamedParameters().Select(p => p.Name).ToArray());

        // Parameter.Name (and the tensor's name) is the full path once the model is assembled.
        Assert.Equal(expected, net.Parameters().Select(p => p.Name).ToArray());
        Assert.Equal("layers.2.fc.weight", ((Block)net.Layers[2]).Fc.Weight.Value.Name);
        Assert.All(net.Parameters(), p => Assert.True(p.Value.RequiresGrad));

        // Relative names from a child, as PyTorch.
        Assert.Equal(["weight", "bias"], net.Head.NamedParameters().Select(p => p.Name));
        Assert.Equal(3 + 9 + 3 + 3 + 3, net.Layers[0].ParameterCount());
    }

    [Fact]
    public void Kinds_AreFilterable()
    {
        var net = new Net(new Rng(1));
        Assert.Equal(["logits"], net.Parameters(ParameterRole.Routing).Select(p => p.Name));
        Assert.Equal(["head.weight", "head.bias"], net.Parameters(k => k.IsTaskOf(1)).Select(p => p.Name));
        Assert.Empty(net.Parameters(k => k.IsTaskOf(0)));
        Assert.Equal(10, net.Parameters(ParameterRole.Shared).Count);
        Assert.Equal(ParameterKind.Shared, default);
        Assert.Equal(-1, default(ParameterKind).TaskIndex);
        Assert.Equal("Task(1)", ParameterKind.Task(1).ToString());
        Assert.NotEqual(ParameterKind.Task(1), ParameterKind.Task(2));
    }

    [Fact]
    public void TrainEval_PropagatesToDescendants()
    {
        var net = new Net(new Rng(1));
        Assert.True(net.Drop.IsTraining);
        net.Eval();
        Assert.False(net.IsTraining);
        Assert.False(net.Drop.IsTraining);
        Assert.False(((Block)net.Layers[0]).Fc.IsTraining);
        net.Train();
        Assert.True(((Block)net.Layers[2]).Norm.IsTraining);

        // Dropout is the identity in eval mode.
        net.Eval();
        var x = Tensor.Ones(4, 3);
        var a = net.Forward(x).ToArray();
        var b = net.Forward(x).ToArray();
        Assert.Equal(a, b);
    }

    private sealed class Bad : Module
    {
        public Bad(string first, string second)
        {
            RegisterParameter(first, Tensor.Zeros(1));
            RegisterParameter(second, Tensor.Zeros(1));
        }
    }

    [Fact]
    public void Registration_RejectsDuplicateAndDottedNames()
    {
        Assert.Contains("'w'", Assert.Throws<ArgumentException>(() => new Bad("w", "w")).Message);
        Assert.Throws<ArgumentException>(() => new Bad("w", "a.b"));
        Assert.Throws<ArgumentException>(() => new Bad("w", ""));
    }

    private sealed class Shared : Module
    {
        public Shared(Linear shared)
        {
            RegisterModule("a", shared);
            RegisterModule("b", shared);
        }
    }

    [Fact]
    public void SharedModule_IsReportedOnceUnderItsFirstName()
    {
        var lin = new Linear(2, 2, new Rng(3));
        var m = new Shared(lin);
        Assert.Equal(["a.weight", "a.bias"], m.NamedParameters().Select(p => p.Name));
        Assert.Equal("a.weight", lin.Weight.Name);
    }
}
