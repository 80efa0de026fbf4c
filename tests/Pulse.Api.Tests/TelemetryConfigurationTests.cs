using System.Net;
using Pulse.Testing;

namespace Pulse.Api.Tests;

/// <summary>Settings that change what is measured or exposed, and settings that must stop start-up.</summary>
public sealed class TelemetryConfigurationTests
{
    [Fact]
    public async Task DisabledTelemetryExposesNothingAndRegistersNoProvider()
    {
        await using var factory = new PulseApiFactory().WithSetting("Telemetry:Enabled", "false");
        var client = factory.CreateClient();

        (await client.GetAsync("/")).Dispose();
        using var metrics = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Null(factory.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
    }

    [Fact]
    public async Task ConfiguredBucketsAreTheOnesExposed()
    {
        await using var factory = new PulseApiFactory()
            .WithSetting("Telemetry:Http:DurationBuckets:0", "0.25")
            .WithSetting("Telemetry:Http:DurationBuckets:1", "4");
        var client = factory.CreateClient();
        (await client.GetAsync("/")).Dispose();

        var samples = await MetricsScraper.ScrapeUntilAsync(client, s => MetricsScraper.Requests(s, "GET", "/", 200) == 1, "the request to / to be counted");
        var bounds = samples.Where(s => s.Name == "http_request_duration_seconds_bucket" && s.Labels["endpoint"] == "/").Select(s => s.Labels["le"]);

        Assert.Equal(["0.25", "4", "+Inf"], bounds);
    }

    [Fact]
    public async Task ExcludedPathsAreNotMeasuredAndMetricsPathCanBeMoved()
    {
        await using var factory = new PulseApiFactory()
            .WithSetting("Telemetry:Prometheus:Path", "/internal/metrics")
            .WithSetting("Telemetry:Http:ExcludedPaths:0", "/internal/metrics")
            .WithSetting("Telemetry:Http:ExcludedPaths:1", "/health/*");
        var client = factory.CreateClient();

        (await client.GetAsync("/health/live")).Dispose();
        (await client.GetAsync("/health")).Dispose();
        (await client.GetAsync("/")).Dispose();
        var samples = await MetricsScraper.ScrapeUntilAsync(
            client, s => MetricsScraper.Requests(s, "GET", "/", 200) == 1 && MetricsScraper.Requests(s, "GET", "/health", 200) == 1, "the requests to / and /health to be counted", "/internal/metrics");

        var endpoints = samples.Where(s => s.Name == "http_requests_total").Select(s => s.Labels["endpoint"]).ToHashSet();
        Assert.Contains("/", endpoints);
        Assert.DoesNotContain("/health/live", endpoints);
        Assert.Contains("/health", endpoints);
        Assert.DoesNotContain("/internal/metrics", endpoints);
    }

    [Fact]
    public async Task AMeasuredMetricsPathIsReportedUnderItsOwnEndpoint()
    {
        await using var factory = new PulseApiFactory().WithSetting("Telemetry:Http:ExcludedPaths:0", "/nothing");
        var client = factory.CreateClient();

        await MetricsScraper.ScrapeAsync(client);
        var scrapes = 1;
        var samples = await MetricsScraper.ScrapeUntilAsync(
            client,
            s =>
            {
                scrapes++;
                return MetricsScraper.Requests(s, "GET", "/metrics", 200) >= 1;
            },
            "the first scrape to be counted");

        // A scrape shows at most the scrapes made before it, each once.
        Assert.InRange(MetricsScraper.Requests(samples, "GET", "/metrics", 200), 1, scrapes - 1);
        Assert.Equal(0, MetricsScraper.Requests(samples, "GET", "unmatched", 200));
    }

    [Fact]
    public async Task ManagementPortServesMetricsAndTheServicePortDoesNot()
    {
        var managementPort = FreePort.Next();
        await using var server = LoopbackServer.Start(f => f.WithSetting("Telemetry:Prometheus:Port", managementPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}"), Timeout = TimeSpan.FromSeconds(10) };

        (await server.Client.GetAsync("/")).Dispose();
        using var onServicePort = await server.Client.GetAsync("/metrics");
        using var otherPathOnManagementPort = await management.GetAsync("/");
        var samples = await MetricsScraper.ScrapeUntilAsync(management, s => MetricsScraper.Requests(s, "GET", "/", 200) >= 1, "the request to / to be counted");

        Assert.Equal(HttpStatusCode.NotFound, onServicePort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherPathOnManagementPort.StatusCode);
        Assert.Equal(1, MetricsScraper.Requests(samples, "GET", "/", 200));
        Assert.DoesNotContain(samples, s => s.Name == "http_requests_total" && s.Labels["endpoint"] is "/metrics" or "unmatched");
    }

    [Fact]
    public async Task AHostHeaderNamingTheManagementPortDoesNotReachMetricsOnTheServicePort()
    {
        var managementPort = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var server = LoopbackServer.Start(f => f.WithSetting("Telemetry:Prometheus:Port", managementPort));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Host = $"127.0.0.1:{managementPort}";
        using var spoofed = await server.Client.SendAsync(request);
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}"), Timeout = TimeSpan.FromSeconds(10) };
        using var scrape = await management.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, spoofed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
    }
}
