using System.Net;
using Microsoft.Extensions.Options;
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
        Assert.DoesNotContain(factory.Services.GetServices<IHostedService>(), s => s is Telemetry.PulseMeterProvider);
    }

    [Fact]
    public async Task ConfiguredBucketsAreTheOnesExposed()
    {
        await using var factory = new PulseApiFactory()
            .WithSetting("Telemetry:Http:DurationBuckets:0", "0.25")
            .WithSetting("Telemetry:Http:DurationBuckets:1", "4");
        var client = factory.CreateClient();
        (await client.GetAsync("/")).Dispose();

        var samples = await MetricsScraper.ScrapeAsync(client);
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
        var samples = await MetricsScraper.ScrapeAsync(client, "/internal/metrics");

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
        var samples = await MetricsScraper.ScrapeAsync(client);

        Assert.Equal(1, MetricsScraper.Requests(samples, "GET", "/metrics", 200));
    }

    [Theory]
    [InlineData("Telemetry:Http:DurationBuckets:0", "-1", "Telemetry:Http:DurationBuckets:0 must be a positive finite number")]
    [InlineData("Telemetry:Prometheus:Path", "metrics", "Telemetry:Prometheus:Path must start with '/'")]
    [InlineData("Telemetry:Prometheus:Port", "0", "Telemetry:Prometheus:Port must be between 1 and 65535")]
    [InlineData("Telemetry:Otlp:Endpoint", "ftp://collector", "Telemetry:Otlp:Endpoint must be an absolute http or https address")]
    public async Task InvalidSettingsStopStartUpNamingTheSetting(string key, string value, string message)
    {
        await using var factory = new PulseApiFactory().WithSetting(key, value);

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnparsableSettingStopsStartUpNamingTheSetting()
    {
        await using var factory = new PulseApiFactory().WithSetting("Telemetry:Prometheus:Port", "nine");

        var error = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());

        Assert.Contains("Telemetry:Prometheus:Port", error.Message, StringComparison.Ordinal);
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
        var samples = PrometheusText.Parse(await management.GetStringAsync("/metrics"));

        Assert.Equal(HttpStatusCode.NotFound, onServicePort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherPathOnManagementPort.StatusCode);
        Assert.Equal(1, MetricsScraper.Requests(samples, "GET", "/", 200));
        Assert.DoesNotContain(samples, s => s.Name == "http_requests_total" && s.Labels["endpoint"] is "/metrics" or "unmatched");
    }
}
