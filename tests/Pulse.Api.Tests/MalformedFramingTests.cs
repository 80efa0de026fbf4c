using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pulse.Api.Tests.Infrastructure;

namespace Pulse.Api.Tests;

/// <summary>
/// Requests whose HTTP framing is broken, written byte by byte to a real Kestrel (an HTTP client cannot
/// send them): each must be a 4xx problem+json, never a 500, and change nothing.
/// </summary>
public sealed class MalformedFramingTests(MalformedFramingTests.Server server) : IClassFixture<MalformedFramingTests.Server>
{
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(20);

    public static TheoryData<string, string> Writes => new()
    {
        { "POST", "/products" },
        { "POST", "/tasks" },
        { "PUT", "/products/{product}" },
        { "PUT", "/tasks/{task}" },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task AChunkSizeThatOverflowsIsABadRequestProblem(string method, string path)
    {
        var target = await server.TargetAsync(path);

        // Eight hex digits from 80000000 up do not fit the 32-bit chunk size Kestrel parses them into.
        var (status, contentType, body) = await SendRawAsync(
            server.Address,
            $"{method} {target} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n80000000\r\n{{\"name\":\"x\"");

        Assert.True(status == HttpStatusCode.BadRequest, $"{method} {path}: {(int)status} {body}");
        Assert.Equal("application/problem+json", contentType);
        Assert.Contains("\"status\":400", body, StringComparison.Ordinal);
        await server.AssertUnchangedAsync(path);
    }

    [Theory]
    [InlineData("PUT", "/products/{product}")]
    [InlineData("DELETE", "/products/{product}")]
    [InlineData("PUT", "/tasks/{task}")]
    [InlineData("DELETE", "/tasks/{task}")]
    public async Task AnEmptyIfMatchOnTheWireIsABadRequestProblem(string method, string path)
    {
        var target = await server.TargetAsync(path);
        var json = path.StartsWith("/products", StringComparison.Ordinal) ? """{"name":"Changed","price":2,"amount":2}""" : """{"title":"Changed"}""";
        var content = method == "PUT"
            ? string.Create(CultureInfo.InvariantCulture, $"Content-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(json)}\r\n\r\n{json}")
            : "\r\n";

        // RFC 9110 §13.1.1: If-Match is a list of at least one entity tag, or *; an empty field value is present and malformed.
        var (status, contentType, body) = await SendRawAsync(server.Address, $"{method} {target} HTTP/1.1\r\nHost: localhost\r\nIf-Match: \r\n{content}");

        Assert.True(status == HttpStatusCode.BadRequest, $"{method} {path}: {(int)status} {body}");
        Assert.Equal("application/problem+json", contentType);
        await server.AssertUnchangedAsync(path);
    }

    /// <summary>Writes <paramref name="request"/> as it is and reads the response head and whatever body arrives before the connection ends.</summary>
    private static async Task<(HttpStatusCode Status, string? ContentType, string Body)> SendRawAsync(Uri address, string request)
    {
        using var timeout = new CancellationTokenSource(AnswerWithin);
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);

        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var text = received.ToString();
            var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd >= 0 && ResponseComplete(text, headEnd))
            {
                break;
            }

            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        var response = received.ToString();
        var end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, $"No complete response head: {response}");
        var lines = response[..end].Split("\r\n");
        var status = (HttpStatusCode)int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var contentType = lines.Skip(1)
            .Select(l => l.Split(':', 2))
            .Where(p => p[0].Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim().Split(';')[0])
            .FirstOrDefault();
        return (status, contentType, response[(end + 4)..]);
    }

    /// <summary>True when the whole body has arrived: none for 204 and 304, Content-Length bytes, or up to the last chunk.</summary>
    private static bool ResponseComplete(string text, int headEnd)
    {
        var head = text[..headEnd].Split("\r\n");
        var body = text[(headEnd + 4)..];
        if (head[0].Split(' ')[1] is "204" or "304")
        {
            return true;
        }

        var length = head
            .Select(l => l.Split(':', 2))
            .Where(p => p[0].Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => int.Parse(p[1].Trim(), CultureInfo.InvariantCulture))
            .FirstOrDefault(-1);
        return length >= 0 ? Encoding.UTF8.GetByteCount(body) >= length : body.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
    }

    /// <summary>The service on a loopback socket, with a product and a task for the PUTs to aim at.</summary>
    public sealed class Server : IAsyncLifetime
    {
        private LoopbackServer? _server;
        private string? _product;
        private string? _task;

        public Uri Address => _server!.Address;

        public Task InitializeAsync()
        {
            _server = LoopbackServer.Start();
            return Task.CompletedTask;
        }

        public async Task DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }

        /// <summary>The path with its placeholder replaced by the URL of the class's product or task.</summary>
        public async Task<string> TargetAsync(string path)
        {
            if (_product is null || _task is null)
            {
                using var product = await _server!.Client.PostJsonAsync("/products", """{"name":"Target","price":1,"amount":1}""");
                await product.AssertStatusAsync(HttpStatusCode.Created);
                using var task = await _server.Client.PostJsonAsync("/tasks", """{"title":"Target"}""");
                await task.AssertStatusAsync(HttpStatusCode.Created);
                (_product, _task) = (product.Headers.Location!.OriginalString, task.Headers.Location!.OriginalString);
            }

            return path.Replace("/products/{product}", _product, StringComparison.Ordinal).Replace("/tasks/{task}", _task, StringComparison.Ordinal);
        }

        /// <summary>The target of <paramref name="path"/> is still at its first version, and nothing else was created.</summary>
        public async Task AssertUnchangedAsync(string path)
        {
            foreach (var url in new[] { _product!, _task! })
            {
                using var read = await _server!.Client.GetAsync(url);
                await read.AssertStatusAsync(HttpStatusCode.OK);
                Assert.Equal("\"1\"", read.ETag());
            }

            var collection = path.StartsWith("/products", StringComparison.Ordinal) ? "/products" : "/tasks";
            using var list = await _server!.Client.GetAsync(collection);
            Assert.Equal(1, (await list.BodyAsync()).GetProperty("items").GetArrayLength());
        }
    }
}
