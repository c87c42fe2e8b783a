using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using MtlSharp.Export.Onnx;

namespace MtlSharp.Export;

/// <summary>
/// Builds one ONNX graph node by node. A node with the same operator, inputs and attributes as an earlier one is not
/// added again: its earlier output is returned. That is how a computation shared by several tasks (the same
/// component on the same input) appears once in the graph. Initializers are added once per name.
/// </summary>
internal sealed class GraphBuilder
{
    private readonly Dictionary<string, string> _nodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string> _initializers = new(StringComparer.Ordinal);

    /// <summary>The graph so far.</summary>
    public GraphProto Graph { get; } = new();

    /// <summary>Float weights stored so far.</summary>
    public long FloatCount { get; private set; }

    /// <summary>Reserves a value name (a graph input or output) so no generated name takes it.</summary>
    public void Reserve(string name)
    {
        if (!_names.Add(name))
        {
            throw new ArgumentException($"The name '{name}' is used twice in the ONNX graph.");
        }
    }

    /// <summary>Whether <paramref name="name"/> is taken.</summary>
    public bool IsTaken(string name) => _names.Contains(name);

    /// <summary>
    /// The output of <paramref name="op"/> on <paramref name="inputs"/>: an earlier identical node's output, or a new
    /// node's (named after <paramref name="hint"/>).
    /// </summary>
    public string Node(string op, string hint, IReadOnlyList<string> inputs, params AttributeProto[] attributes) =>
        Node(op, hint, inputs, 0, attributes);

    /// <summary>
    /// Output <paramref name="outputIndex"/> of <paramref name="op"/> on <paramref name="inputs"/> (the earlier outputs
    /// are left unnamed, i.e. not computed, as ONNX allows for optional outputs such as the LSTM's Y).
    /// </summary>
    public string Node(string op, string hint, IReadOnlyList<string> inputs, int outputIndex, params AttributeProto[] attributes)
    {
        var key = new StringBuilder(op).Append('#').Append(outputIndex.ToString(CultureInfo.InvariantCulture)).Append('(');
        foreach (string i in inputs)
        {
            key.Append(i.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(i);
        }

        key.Append(')');
        foreach (var a in attributes)
        {
            key.Append(a.ToByteString().ToBase64()).Append(';');
        }

        string k = key.ToString();
        if (_nodes.TryGetValue(k, out string? existing))
        {
            return existing;
        }

        string output = Unique(hint);
        Add(op, output, inputs, attributes, outputIndex);
        _nodes[k] = output;
        return output;
    }

    /// <summary>
    /// The first <paramref name="outputs"/> outputs of <paramref name="op"/> on <paramref name="inputs"/> (e.g. TopK's
    /// values and indices): an earlier identical node's, or a new node's (named after <paramref name="hint"/>).
    /// </summary>
    public string[] Nodes(string op, string hint, IReadOnlyList<string> inputs, int outputs, params AttributeProto[] attributes)
    {
        string first = Node(op, hint, inputs, 0, attributes);
        var node = Graph.Node.Last(n => n.Output.Count > 0 && n.Output[0] == first);
        for (int i = node.Output.Count; i < outputs; i++)
        {
            node.Output.Add(Unique(hint + "/out" + i.ToString(CultureInfo.InvariantCulture)));
        }

        return [.. node.Output.Take(outputs)];
    }

    /// <summary>Adds a node whose output is <paramref name="output"/> (a reserved graph output name); never shared.</summary>
    public void NodeTo(string output, string op, IReadOnlyList<string> inputs, params AttributeProto[] attributes) =>
        Add(op, output, inputs, attributes);

    /// <summary>A float initializer (added on first use of <paramref name="name"/>).</summary>
    public string Floats(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        if (_initializers.Contains(name))
        {
            return name;
        }

        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(LittleEndian(values)) };
        t.Dims.AddRange(dims);
        AddInitializer(t);
        FloatCount += values.Length;
        return name;
    }

    /// <summary>A constant int64 vector (shared by every use of the same values).</summary>
    public string Int64s(params long[] values)
    {
        string name = "/const/i64[" + string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";
        if (!_initializers.Contains(name))
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
            t.Dims.Add(values.Length);
            t.Int64Data.AddRange(values);
            AddInitializer(t);
        }

        return name;
    }

    /// <summary>A constant int64 scalar.</summary>
    public string Int64Scalar(long value)
    {
        string name = "/const/i64(" + value.ToString(CultureInfo.InvariantCulture) + ")";
        if (!_initializers.Contains(name))
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
            t.Int64Data.Add(value);
            AddInitializer(t);
        }

        return name;
    }

    /// <summary>A constant int32 scalar.</summary>
    public string Int32Scalar(int value)
    {
        string name = "/const/i32(" + value.ToString(CultureInfo.InvariantCulture) + ")";
        if (!_initializers.Contains(name))
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int32 };
            t.Int32Data.Add(value);
            AddInitializer(t);
        }

        return name;
    }

    /// <summary>A constant float scalar.</summary>
    public string FloatScalar(float value)
    {
        string name = "/const/f32(" + value.ToString("R", CultureInfo.InvariantCulture) + ")";
        if (!_initializers.Contains(name))
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
            t.FloatData.Add(value);
            AddInitializer(t);
        }

        return name;
    }

    /// <summary>A constant double scalar.</summary>
    public string DoubleScalar(double value)
    {
        string name = "/const/f64(" + value.ToString("R", CultureInfo.InvariantCulture) + ")";
        if (!_initializers.Contains(name))
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Double };
            t.DoubleData.Add(value);
            AddInitializer(t);
        }

        return name;
    }

    /// <summary>An int attribute.</summary>
    public static AttributeProto Attr(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>An ints attribute.</summary>
    public static AttributeProto Attr(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A string attribute.</summary>
    public static AttributeProto Attr(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>A tensor attribute.</summary>
    public static AttributeProto Attr(string name, TensorProto value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };

    /// <summary>A float [N, dims…] value description with a symbolic batch dimension.</summary>
    public static ValueInfoProto FloatValue(string name, string batch, IReadOnlyList<int> dims, string? doc = null)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        foreach (int d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        var v = new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
        if (doc is not null)
        {
            v.DocString = doc;
        }

        return v;
    }

    /// <summary>
    /// A tensor value description of element type <paramref name="type"/>; each of <paramref name="dims"/> is a
    /// number (a fixed size) or a name (a symbolic size).
    /// </summary>
    public static ValueInfoProto Value(string name, TensorProto.Types.DataType type, string doc, params string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (string d in dims)
        {
            shape.Dim.Add(long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out long v)
                ? new TensorShapeProto.Types.Dimension { DimValue = v }
                : new TensorShapeProto.Types.Dimension { DimParam = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            DocString = doc,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private void Add(string op, string output, IReadOnlyList<string> inputs, AttributeProto[] attributes, int outputIndex = 0)
    {
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        for (int i = 0; i < outputIndex; i++)
        {
            node.Output.Add("");
        }

        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
    }

    private void AddInitializer(TensorProto t)
    {
        if (!_names.Add(t.Name))
        {
            throw new ArgumentException($"The name '{t.Name}' is used twice in the ONNX graph.");
        }

        _initializers.Add(t.Name);
        Graph.Initializer.Add(t);
    }

    private string Unique(string hint)
    {
        string name = hint;
        for (int i = 1; !_names.Add(name); i++)
        {
            name = hint + "_" + i.ToString(CultureInfo.InvariantCulture);
        }

        return name;
    }

    private static byte[] LittleEndian(ReadOnlySpan<float> values)
    {
        byte[] bytes = MemoryMarshal.AsBytes(values).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i < bytes.Length; i += 4)
            {
                Array.Reverse(bytes, i, 4);
            }
        }

        return bytes;
    }
}
