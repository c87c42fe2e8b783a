using MtlSharp.Data.Tabular;

namespace MtlSharp.Data.Tests.Tabular;

public sealed class CsvRecordReaderTests
{
    private static List<(int Line, string?[] Fields)> ReadAll(string text)
    {
        using var reader = new CsvRecordReader(new StringReader(text), "t.csv");
        var rows = new List<(int, string?[])>();
        while (reader.Read())
        {
            rows.Add((reader.Line, [.. reader.Fields]));
        }

        return rows;
    }

    [Theory]
    [InlineData("id,name,note\n1,\"Smith, John\",plain\n2,\"say \"\"hi\"\"\",\"two\nlines\"\n3,x,\"a\n\nb\"\n4,y,z\n")]
    [InlineData("\uFEFFa,b\r\n 1 , \"x\" \r\n,\"\"\r2,3")]
    [InlineData("a,b\n1,2\n\n\n")]
    [InlineData("a\n\"q\r\nr\"\n \t x\n")]
    public void RecordsFieldsAndLinesMatchThoseOfCsvTable(string text)
    {
        var table = CsvTable.Parse(text, "t.csv");
        var rows = ReadAll(text);
        Assert.Equal(table.RowCount, rows.Count);
        for (int r = 0; r < rows.Count; r++)
        {
            Assert.Equal(table.LineOf(r), rows[r].Line);
            Assert.Equal(Enumerable.Range(0, table.Columns.Count).Select(c => table.Get(r, c)), rows[r].Fields);
        }
    }

    [Fact]
    public void AMalformedRecordThrowsWithItsLineAndReadingGoesOn()
    {
        using var reader = new CsvRecordReader(new StringReader("a,b\n1\n\"x\"y,2\n3,4\n\"open,5\n"), "t.csv");
        Assert.Equal(["a", "b"], reader.Columns);
        Assert.Equal("t.csv:2: 1 field, expected 2 (the header has 2 columns)", Assert.Throws<InvalidDataException>(() => reader.Read()).Message);
        Assert.StartsWith("t.csv:3: unexpected 'y' after the closing quote", Assert.Throws<InvalidDataException>(() => reader.Read()).Message, StringComparison.Ordinal);
        Assert.True(reader.Read());
        Assert.Equal((4, 3L), (reader.Line, reader.Record));
        Assert.Equal(["3", "4"], reader.Fields);
        Assert.StartsWith("t.csv:5: unterminated quoted field", Assert.Throws<InvalidDataException>(() => reader.Read()).Message, StringComparison.Ordinal);
        Assert.False(reader.Read());
        Assert.Equal(4L, reader.Record);
    }

    [Fact]
    public void EmptyInputAndDuplicateHeadersAreErrors()
    {
        Assert.Contains("the file is empty", Assert.Throws<InvalidDataException>(() => new CsvRecordReader(new StringReader(""), "t.csv")).Message, StringComparison.Ordinal);
        Assert.Contains("duplicate column name 'a'", Assert.Throws<InvalidDataException>(() => new CsvRecordReader(new StringReader("a,a\n"), "t.csv")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABoundEncoderEncodesRecordsAsTheFittedTableDoes()
    {
        const string text = "x,c,y\n1,a,p\n,b,q\n3,,p\n-2,a,q\n";
        var table = CsvTable.Parse(text, "t.csv");
        var encoder = FeatureEncoder.Fit(table, [new FeatureSpec("x") { MissingIndicator = true }, new FeatureSpec("c")], [0, 1, 2, 3]);
        var expected = encoder.Encode([0, 1, 2, 3]).Dense;
        using var reader = new CsvRecordReader(new StringReader("c,x\na,1\nb,\n,3\na,-2\nz,0\n"), "new.csv");
        var bound = encoder.Bind(reader.Columns, "new.csv");
        var dense = new float[encoder.Width];
        for (int r = 0; reader.Read(); r++)
        {
            bound.Encode(reader.Fields, dense, [], reader.Location);
            if (r < 4)
            {
                Assert.Equal(expected.AsSpan(r * encoder.Width, encoder.Width).ToArray(), dense);
            }
        }

        Assert.Equal([0, 1], bound.UnseenLevels);
        Assert.Contains("new.csv: no column 'x'", Assert.Throws<InvalidDataException>(() => encoder.Bind(["c"], "new.csv")).Message, StringComparison.Ordinal);
    }
}
