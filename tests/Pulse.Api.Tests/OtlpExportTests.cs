using System.Collections.Concurrent;
using System.Text;
using Pulse.Testing;

namespace Pulse.Api.Tests;

/// <summary>OTLP/HTTP export, received by a stand-in collector on loopback.</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task MetricsArePushedAsOtlpProtobufToTheConfiguredEndpoint()
    {
        var received = new ConcurrentQueue<(string Path, string? ContentType, byte[] Body)>();
        var collectorPort = FreePort.Next();
        var collectorBuilder = WebApplication.CreateSlimBuilder();
        collectorBuilder.WebHost.UseUrls($"http://127.0.0.1:{collectorPort}");
        await using var collector = collectorBuilder.Build();
        collector.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.Enqueue((request.Path, request.ContentType, body.ToArray()));
            return Results.Ok();
        });
        await collector.StartAsync();

        await using var factory = new PulseApiFactory()
            .WithSetting("Telemetry:Otlp:Endpoint", $"http://127.0.0.1:{collectorPort}")
            .WithSetting("Telemetry:Otlp:ExportInterval", "00:00:01");
        var client = factory.CreateClient();
        (await client.GetAsync("/Welcome?name=Otlp")).Dispose();

        await Wait.UntilAsync(
            () => received.Any(r => Contains(r.Body, "http_request_duration_seconds")),
            TimeSpan.FromSeconds(30),
            "an OTLP export carrying the request duration");

        var export = received.First(r => Contains(r.Body, "http_request_duration_seconds"));
        Assert.Equal("/v1/metrics", export.Path);
        Assert.Equal("application/x-protobuf", export.ContentType);
        Assert.True(Contains(export.Body, "pulse-api"), "the resource names the service");
        Assert.True(Contains(export.Body, "/Welcome"), "the route is an attribute");
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
