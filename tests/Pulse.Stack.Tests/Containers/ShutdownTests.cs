using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Pulse.Testing;
using Xunit.Abstractions;

namespace Pulse.Stack.Tests.Containers;

/// <summary><c>docker stop</c> (SIGTERM, then SIGKILL after the stop timeout) of a container of the image.</summary>
[Collection(ContainerChecks.Name)]
[Trait("Category", ContainerEngine.Category)]
public sealed class ShutdownTests(ITestOutputHelper output)
{
    /// <summary>Docker's default stop timeout, which compose also uses; ECS waits 30 s.</summary>
    private const int StopTimeoutSeconds = 10;

    [ContainerFact]
    public async Task DockerStopEndsTheServiceInTimeAfterItFinishesTheRequestInFlightAndWritesTheLastEmfDocuments()
    {
        // No HEALTHCHECK runs, so the only requests are the test's own.
        await using var container = await ServiceContainer.StartAsync([.. ServiceContainer.Hardened, "--no-healthcheck"]);
        await container.WaitUntilReadyAsync();
        const int rootRequests = 3;
        for (var i = 0; i < rootRequests; i++)
        {
            using var response = await container.Client.GetAsync(string.Empty);
            response.EnsureSuccessStatusCode();
        }

        // A POST whose body is only half sent: the server has begun it and waits for the rest.
        var body = Encoding.UTF8.GetBytes("""{"name":"Sent across a shutdown","price":1.25,"amount":1}""");
        using var connection = new TcpClient();
        await connection.ConnectAsync("127.0.0.1", container.HostPort);
        var stream = connection.GetStream();
        stream.ReadTimeout = 15_000;
        var head = $"POST /products HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
        await Wait.UntilAsync(async () => await InProgressAsync(container) == 1, TimeSpan.FromSeconds(15), "the half-sent request to be in progress");

        var clock = Stopwatch.StartNew();
        var stop = ContainerEngine.DockerAsync(["stop", "--time", StopTimeoutSeconds.ToString(CultureInfo.InvariantCulture), container.Name], TimeSpan.FromSeconds(60));
        await Wait.UntilAsync(
            async () => (await container.LogsAsync()).StandardOutput.Contains("Application is shutting down", StringComparison.Ordinal),
            TimeSpan.FromSeconds(StopTimeoutSeconds), "the service to log that it is shutting down", TimeSpan.FromMilliseconds(100));
        Assert.False(stop.IsCompleted, "The container stopped before the request in flight was finished.");

        // The rest of the body, after SIGTERM: the request completes.
        await stream.WriteAsync(body.AsMemory(body.Length / 2));
        var statusLine = await ReadLineAsync(stream);
        Assert.StartsWith("HTTP/1.1 201", statusLine, StringComparison.Ordinal);

        var stopped = await stop;
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        // 0, not 137: the service exited on its own before the stop timeout, and was not killed.
        Assert.Equal("false 0", await container.InspectAsync("{{.State.OOMKilled}} {{.State.ExitCode}}"));
        output.WriteLine($"docker stop --time {StopTimeoutSeconds} returned after {clock.Elapsed.TotalSeconds:0.0} s (SIGTERM with one request in flight).");

        // The final flush: after the shutdown line, on stdout, documents that count the request finished during shutdown.
        var logs = await container.LogsAsync();
        var lines = logs.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var shutdown = Array.FindIndex(lines, l => l.Contains("Application is shutting down", StringComparison.Ordinal));
        var documents = lines.Select((line, index) => (Line: line, Index: index)).Where(l => l.Line.StartsWith("{\"_aws\"", StringComparison.Ordinal))
            .Select(l => (Document: JsonDocument.Parse(l.Line).RootElement, l.Index)).ToList();
        Assert.DoesNotContain("\"_aws\"", logs.StandardError, StringComparison.Ordinal);
        Assert.Equal(rootRequests, Invocations(documents.Select(d => d.Document), "/"));
        Assert.Equal(1, Invocations(documents.Select(d => d.Document), "/products"));
        Assert.Contains(documents, d => d.Index > shutdown && Endpoint(d.Document) == "/products");
        Assert.Contains(documents, d => d.Index > shutdown && Endpoint(d.Document) is null && d.Document.GetProperty("RequestCount").GetInt64() >= 1);
    }

    private static string? Endpoint(JsonElement document) =>
        document.TryGetProperty("Endpoint", out var endpoint) ? endpoint.GetString() : null;

    private static long Invocations(IEnumerable<JsonElement> documents, string endpoint) =>
        documents.Where(d => Endpoint(d) == endpoint && d.TryGetProperty("EndpointInvocations", out _)).Sum(d => d.GetProperty("EndpointInvocations").GetInt64());

    private static async Task<double> InProgressAsync(ServiceContainer container)
    {
        var exposition = await container.Client.GetStringAsync("metrics");
        var line = exposition.Split('\n').Single(l => l.StartsWith("http_requests_in_progress ", StringComparison.Ordinal));
        return double.Parse(line["http_requests_in_progress ".Length..], CultureInfo.InvariantCulture);
    }

    private static async Task<string> ReadLineAsync(NetworkStream stream)
    {
        var line = new StringBuilder();
        var buffer = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (await stream.ReadAsync(buffer, timeout.Token) == 1 && buffer[0] != '\n')
        {
            line.Append((char)buffer[0]);
        }

        return line.ToString().TrimEnd('\r');
    }
}
