using System.Net;

namespace MtlSharp.Data.Tests;

/// <summary>An in-memory HTTP server: URL → response body (or status), with a log of requested URLs.</summary>
internal sealed class FakeHttpHandler : HttpMessageHandler
{
    private readonly Dictionary<string, byte[]> _bodies = [];
    private readonly Dictionary<string, HttpStatusCode> _statuses = [];
    private readonly Dictionary<string, int> _broken = [];

    public List<string> Requests { get; } = [];

    public bool SendContentLength { get; set; } = true;

    public FakeHttpHandler Serve(string url, byte[] body)
    {
        _bodies[url] = body;
        return this;
    }

    /// <summary>Serves a body whose stream breaks (IOException) after <paramref name="goodBytes"/> bytes.</summary>
    public FakeHttpHandler ServeBroken(string url, int goodBytes)
    {
        _broken[url] = goodBytes;
        return this;
    }

    public FakeHttpHandler Fail(string url, HttpStatusCode status)
    {
        _statuses[url] = status;
        return this;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string url = request.RequestUri!.ToString();
        Requests.Add(url);
        if (_statuses.TryGetValue(url, out HttpStatusCode status))
        {
            return Task.FromResult(new HttpResponseMessage(status) { ReasonPhrase = status.ToString() });
        }

        if (_broken.TryGetValue(url, out int good))
        {
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new BreakingStream(good)) });
        }

        if (!_bodies.TryGetValue(url, out byte[]? body))
        {
            throw new HttpRequestException($"fake network: no route to {url}");
        }

        var content = new StreamContent(new MemoryStream(body));
        if (SendContentLength)
        {
            content.Headers.ContentLength = body.Length;
        }

        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
    }
}

/// <summary>A read-only stream of zeros that throws after a number of bytes, like a dropped connection.</summary>
internal sealed class BreakingStream(int goodBytes) : Stream
{
    private int _left = goodBytes;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_left == 0)
        {
            throw new IOException("connection reset by fake peer");
        }

        int n = Math.Min(count, _left);
        Array.Clear(buffer, offset, n);
        _left -= n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
