using System.IO.Compression;
using System.Text;
using MtlSharp.Data.Tabular;

namespace MtlSharp.Data.Tests.Tabular;

public sealed class CsvTableTests
{
    private static InvalidDataException Error(string text, string source = "t.csv") =>
        Assert.Throws<InvalidDataException>(() => CsvTable.Parse(text, source));

    [Fact]
    public void QuotedFieldsWithCommasQuotesAndNewlinesKeepLineNumbers()
    {
        const string text =
            "id,name,note\n" +                       // line 1
            "1,\"Smith, John\",plain\n" +            // line 2
            "2,\"say \"\"hi\"\"\",\"two\nlines\"\n" + // lines 3-4
            "3,x,\"a\n\nb\"\n" +                     // lines 5-7
            "4,y,z\n";                               // line 8
        CsvTable t = CsvTable.Parse(text, "q.csv");
        Assert.Equal(new[] { "id", "name", "note" }, t.Columns);
        Assert.Equal(4, t.RowCount);
        Assert.Equal("Smith, John", t.Get(0, 1));
        Assert.Equal("say \"hi\"", t.Get(1, 1));
        Assert.Equal("two\nlines", t.Get(1, 2));
        Assert.Equal("a\n\nb", t.Get(2, 2));
        Assert.Equal("z", t.Get(3, 2));
        Assert.Equal(new[] { 2, 3, 5, 8 }, Enumerable.Range(0, 4).Select(r => t.LineOf(r)).ToArray());
        Assert.Equal("q.csv:8", t.Locate(3, 0));
        Assert.Equal("q.csv", t.Source);
    }

    [Fact]
    public void CrlfBomAndNoTrailingNewline()
    {
        CsvTable t = CsvTable.Parse("\uFEFFa,b\r\n1,\"x\r\ny\"\r\n3,4", "c.csv");
        Assert.Equal(new[] { "a", "b" }, t.Columns); // no BOM in the first name
        Assert.Equal(2, t.RowCount);
        Assert.Equal("x\r\ny", t.Get(0, 1));
        Assert.Equal("4", t.Get(1, 1));
        Assert.Equal(4, t.LineOf(1));

        CsvTable cr = CsvTable.Parse("a,b\r5'10\",x\r6,y", "cr.csv"); // lone CRs; a quote inside an unquoted field is literal
        Assert.Equal(2, cr.RowCount);
        Assert.Equal("5'10\"", cr.Get(0, 0));
        Assert.Equal(3, cr.LineOf(1));
    }

    [Fact]
    public void ReadStripsTheBomOfAFileAndReadsGzip()
    {
        using var dir = new TempDir();
        string plain = dir.File("bom.csv");
        File.WriteAllText(plain, "x,y\r\n1,2\r\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.Equal(0xEF, File.ReadAllBytes(plain)[0]);
        CsvTable t = CsvTable.Read(plain);
        Assert.Equal(new[] { "x", "y" }, t.Columns);
        Assert.Equal("2", t.Get(0, 1));
        Assert.Equal(plain, t.Source);

        string gz = dir.File("g.csv.gz");
        using (var gzip = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes("x\n7\n"));
        }

        Assert.Equal("7", CsvTable.Read(gz).Get(0, 0));
    }

    [Fact]
    public void EmptyAndQuotedEmptyFieldsAreMissingAndUnquotedFieldsAreTrimmed()
    {
        CsvTable t = CsvTable.Parse("a,b,c,d\n  1 , ,\"\", \" q \" \n,x,,\n", "m.csv");
        Assert.Equal("1", t.Get(0, 0));
        Assert.Null(t.Get(0, 1));
        Assert.Null(t.Get(0, 2));
        Assert.Equal(" q ", t.Get(0, 3)); // quoted content is kept as written
        Assert.Null(t.Get(1, 0));
        Assert.Equal("x", t.Get(1, 1));
        Assert.Null(t.Get(1, 3));
        Assert.Equal(1, t.CountMissing(0));
        Assert.Equal(2, t.CountMissing(2));
        Assert.Equal(1, t.CountMissing(3)); // the last row's trailing empty field
    }

    [Fact]
    public void BlankFinalLinesAreIgnoredButAnInteriorBlankLineIsAnError()
    {
        Assert.Equal(1, CsvTable.Parse("a,b\n1,2\n\n  \n", "t.csv").RowCount);
        InvalidDataException e = Error("a,b\n1,2\n\n3,4\n");
        Assert.StartsWith("t.csv:3:", e.Message);
        Assert.Contains("expected 2 fields", e.Message);

        CsvTable single = CsvTable.Parse("a\n1\n\n2\n\n", "s.csv"); // one column: a blank line is a missing value
        Assert.Equal(3, single.RowCount);
        Assert.Null(single.Get(1, 0));
        Assert.Equal(4, single.LineOf(2));
    }

    [Fact]
    public void WrongFieldCountNamesFileLineAndHeaderWidth()
    {
        InvalidDataException e = Error("a,b,c\n1,2,3\n\"multi\nline\",2,3\n1,2\n");
        Assert.Equal("t.csv:5: 2 fields, expected 3 (the header has 3 columns)", e.Message);
        Assert.StartsWith("t.csv:2: 4 fields, expected 3", Error("a,b,c\n1,2,3,4\n").Message);
    }

    [Fact]
    public void UnterminatedQuoteNamesTheLineWhereItOpened()
    {
        InvalidDataException e = Error("a,b\n1,2\n3,\"open\n4,5\n6,7\n");
        Assert.StartsWith("t.csv:3:", e.Message);
        Assert.Contains("unterminated quoted field", e.Message);
        Assert.Contains("column 'b'", e.Message);
        Assert.Contains("expected a closing '\"'", e.Message);
    }

    [Fact]
    public void CharacterAfterClosingQuoteIsAnError()
    {
        InvalidDataException e = Error("a,b\n1,2\n\"x\ny\"z,3\n");
        Assert.StartsWith("t.csv:4:", e.Message);
        Assert.Contains("unexpected 'z' after the closing quote", e.Message);
        Assert.Contains("expected a comma or the end of the line", e.Message);
        Assert.Equal("x", CsvTable.Parse("a,b\n\"x\"  ,2\n", "t.csv").Get(0, 0)); // spaces after the quote are fine
    }

    [Fact]
    public void HeaderErrors()
    {
        InvalidDataException empty = Error("a,,c\n1,2,3\n");
        Assert.StartsWith("t.csv:1:", empty.Message);
        Assert.Contains("header column 2 has an empty name", empty.Message);

        InvalidDataException quotedEmpty = Error("a,\"\"\n1,2\n");
        Assert.Contains("header column 2 has an empty name", quotedEmpty.Message);

        InvalidDataException dup = Error("a,b,a\n1,2,3\n");
        Assert.StartsWith("t.csv:1:", dup.Message);
        Assert.Contains("duplicate column name 'a' (header columns 1 and 3)", dup.Message);

        foreach (string text in new[] { string.Empty, "\uFEFF", "\n\n  \r\n" })
        {
            InvalidDataException none = Error(text);
            Assert.StartsWith("t.csv:", none.Message);
            Assert.Contains("expected a header row", none.Message);
        }
    }

    [Fact]
    public void HeaderOnlyHasNoRows()
    {
        CsvTable t = CsvTable.Parse("a,b\n", "h.csv");
        Assert.Equal(0, t.RowCount);
        Assert.Equal(2, t.Columns.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Get(0, 0));
    }

    [Fact]
    public void IndexOfAndHas()
    {
        CsvTable t = CsvTable.Parse("a,b,c\n1,2,3\n", "i.csv");
        Assert.Equal(2, t.IndexOf("c"));
        Assert.True(t.Has("b"));
        Assert.False(t.Has("B"));
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => t.IndexOf("x"));
        Assert.Equal("i.csv: no column 'x'; the columns are: a, b, c", e.Message);
    }

    [Fact]
    public void JoinKeepsEachColumnsFileAndLines()
    {
        CsvTable left = CsvTable.Parse("a,b\n1,2\n3,4\n", "left.csv");
        CsvTable right = CsvTable.Parse("c\n\"x\ny\"\nz\n", "right.csv");
        CsvTable j = left.Join(right);
        Assert.Equal(new[] { "a", "b", "c" }, j.Columns);
        Assert.Equal(2, j.RowCount);
        Assert.Equal("z", j.Get(1, 2));
        Assert.Equal("3", j.Get(1, 0));
        Assert.Equal("left.csv:3", j.Locate(1, 0));
        Assert.Equal("right.csv:4", j.Locate(1, 2));
        Assert.Equal("right.csv", j.SourceOf(2));
        Assert.Equal(3, j.LineOf(1));
        Assert.Equal(2, j.IndexOf("c"));

        CsvTable shortTable = CsvTable.Parse("d\n1\n", "short.csv");
        InvalidDataException rows = Assert.Throws<InvalidDataException>(() => left.Join(shortTable));
        Assert.Contains("left.csv", rows.Message);
        Assert.Contains("2 rows", rows.Message);
        Assert.Contains("short.csv has 1 row", rows.Message);

        CsvTable dup = CsvTable.Parse("b\n1\n2\n", "dup.csv");
        InvalidDataException names = Assert.Throws<InvalidDataException>(() => left.Join(dup));
        Assert.Contains("column 'b'", names.Message);
        Assert.Contains("dup.csv", names.Message);
        Assert.Contains("left.csv", names.Message);
    }

    [Fact]
    public void InferTypeFromTheGivenRowsOnly()
    {
        CsvTable t = CsvTable.Parse("n,c,e\n1.5,a,\n-2e3,1,\n,2,\nInfinity,b,\nx,3,\n", "inf.csv");
        int[] firstFour = [0, 1, 2, 3];
        Assert.Equal(ColumnType.Numeric, t.Infer(0, firstFour));
        Assert.Equal(ColumnType.Categorical, t.Infer(0, [0, 4]));
        Assert.Equal(ColumnType.Categorical, t.Infer(1, firstFour));
        Assert.Equal(ColumnType.Numeric, t.Infer(1, [1, 2, 4]));
        Assert.Equal(ColumnType.Numeric, t.Infer(2, firstFour)); // nothing but missing values
        Assert.Equal(ColumnType.Categorical, CsvTable.Parse("v\n\"1,5\"\n", "x.csv").Infer(0, [0])); // a decimal comma is not invariant
    }

    [Fact]
    public void InvalidUtf8NamesFileAndLineAndAGzipCutShortIsTruncated()
    {
        using var dir = new TempDir();
        string path = dir.File("bad.csv"), gz = dir.File("cut.csv.gz");
        File.WriteAllBytes(path, [.. "a,b\n1,2\n3,"u8, 0xFF, .. "\n"u8]);
        var e = Assert.Throws<InvalidDataException>(() => CsvTable.Read(path));
        Assert.StartsWith($"{path}:3: invalid UTF-8: byte 0xFF at byte 3 of the line", e.Message);

        using (var ms = new MemoryStream())
        {
            using (var z = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            {
                z.Write(Encoding.UTF8.GetBytes("a,b\n" + string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i},{i * 7}\n"))));
            }

            File.WriteAllBytes(gz, ms.ToArray()[..(int)(ms.Length / 2)]);
        }

        var e2 = Assert.Throws<InvalidDataException>(() => CsvTable.Read(gz));
        Assert.StartsWith($"{gz}: truncated gzip file", e2.Message);
    }
}
