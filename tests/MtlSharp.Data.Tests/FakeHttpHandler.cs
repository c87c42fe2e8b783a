using System.Net;

namespace MtlSharp.Data.Tests;

/// <summary>An in-memory HTTP server: URL → response body (or status), with a log of requested URLs.</summary>
internal sealed class FakeHttpHandler : HttpMessageHandler
{
    private readonly Dictionary<string, byte[]> _bodies = [];
    private readonly Dictionary<string, HttpStatusCode> _statuses = [];

    public List<string> Requests { get; } = [];

    public bool SendContentLength { get; set; } = true;

    public FakeHttpHandler Serve(string url, byte[] body)
    {
        _bodies[url] = body;
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
