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
        var export = await ExportAsync();

        Assert.Equal("/v1/metrics", export.Path);
        Assert.Equal("application/x-protobuf", export.ContentType);
        Assert.True(Contains(export.Body, "pulse-api"), "the resource names the service");
        Assert.True(Contains(export.Body, "/Welcome"), "the route is an attribute");
    }

    [Fact]
    public async Task TheResourcesServiceNameIsOpenTelemetrysOwnSettingBeforeTheEmfServiceName()
    {
        var export = await ExportAsync(("OTEL_SERVICE_NAME", "checkout-otel"), (Telemetry.EmfMetrics.ServiceNameVariable, "checkout-emf"));
        var fallback = await ExportAsync((Telemetry.EmfMetrics.ServiceNameVariable, "checkout-emf"));

        Assert.True(Contains(export.Body, "checkout-otel"), "OTEL_SERVICE_NAME names the service");
        Assert.False(Contains(export.Body, "checkout-emf"), "the EMF service name gives way to OTEL_SERVICE_NAME");
        Assert.True(Contains(fallback.Body, "checkout-emf"), "without OpenTelemetry's setting, the EMF service name names it");
    }

    /// <summary>Runs the service against a stand-in collector until an export carries the request duration.</summary>
    private static async Task<(string Path, string? ContentType, byte[] Body)> ExportAsync(params (string Key, string Value)[] settings)
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
            .WithSetting("Telemetry:Otlp:ExportInterval", "00:00:01")

            // Metrics only: these tests run beside others, whose requests a TracerProvider in this process would
            // trace too (traced services are tested alone, in Tracing/).
            .WithSetting("Telemetry:Tracing:Enabled", "false");
        foreach (var (key, value) in settings)
        {
            factory.WithSetting(key, value);
        }

        var client = factory.CreateClient();
        (await client.GetAsync("/Welcome?name=Otlp")).Dispose();

        await Wait.UntilAsync(
            () => received.Any(r => Contains(r.Body, "http_request_duration_seconds")),
            TimeSpan.FromSeconds(30),
            "an OTLP export carrying the request duration");

        return received.First(r => Contains(r.Body, "http_request_duration_seconds"));
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
