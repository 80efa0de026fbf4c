using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Hosting;

namespace Pulse.Telemetry.Tests;

/// <summary>The extensions used the way an application with its own OpenTelemetry setup uses them.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public async Task MapPulseMetricsWithoutAPrometheusExporterSaysWhatToAdd()
    {
        await using var app = Build(metrics => metrics.AddPulseHttpMetrics());

        var error = Assert.Throws<InvalidOperationException>(() => app.MapPulseMetrics());

        Assert.Contains("AddPulsePrometheus()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsePulseHttpMetricsWithoutTheHttpMetricsSaysWhatToAdd()
    {
        await using var app = Build(metrics => metrics.AddPulsePrometheus());

        var error = Assert.Throws<InvalidOperationException>(() => app.UsePulseHttpMetrics());

        Assert.Contains("AddPulseHttpMetrics()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EachNamedExporterIsServedOnItsOwnPath()
    {
        var meterName = $"Pulse.Tests.{Guid.NewGuid():N}";
        await using var app = Build(metrics => metrics
            .AddMeter(meterName)
            .AddPulsePrometheus("internal", exposition => exposition.Path = "/internal/metrics")
            .AddPulsePrometheus("public", exposition => exposition.Path = "/public/metrics"));
        app.MapPulseMetrics("internal");
        app.MapPulseMetrics("public");
        await app.StartAsync();
        using var meter = app.Services.GetRequiredService<IMeterFactory>().Create(meterName);
        meter.CreateCounter<long>("jobs.done", null, "Jobs done.").Add(3);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(10) };

        Assert.Contains("jobs_done_total 3\n", await client.GetStringAsync("/internal/metrics"), StringComparison.Ordinal);
        Assert.Contains("jobs_done_total 3\n", await client.GetStringAsync("/public/metrics"), StringComparison.Ordinal);
        using var unnamed = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, unnamed.StatusCode);
    }

    [Fact]
    public async Task APartAddedTwiceIsAddedOnce()
    {
        await using var app = Build(metrics => metrics
            .AddPulseHttpMetrics().AddPulseHttpMetrics()
            .AddPulsePrometheus().AddPulsePrometheus());
        app.UsePulseHttpMetrics();
        app.UsePulseHttpMetrics();
        app.MapGet("/", () => "hello");
        app.MapPulseMetrics().DisableHttpMetrics();
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(10) };
        (await client.GetAsync("/")).Dispose();

        const string counted = "http_requests_total{method=\"GET\",endpoint=\"/\",status_code=\"200\"} 1\n";
        await Pulse.Testing.Wait.UntilAsync(
            async () => (await client.GetStringAsync("/metrics")).Contains(counted, StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the request to be counted");
        var text = await client.GetStringAsync("/metrics");

        Assert.Single(text.Split('\n'), line => line == "# TYPE http_request_duration_seconds histogram");
        Assert.Contains("http_response_size_bytes_sum{method=\"GET\",endpoint=\"/\"} 5\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadExporterOptionsStopTheHostNamingTheSetting()
    {
        await using var app = Build(metrics => metrics.AddPulsePrometheus(exposition => exposition.Path = "metrics"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Telemetry:Prometheus:Path must start with '/'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherHostsInstrumentsOfTheSameNameAreNotExported()
    {
        var meterName = $"Pulse.Tests.{Guid.NewGuid():N}";
        await using var ours = Build(metrics => metrics.AddMeter(meterName).AddPulsePrometheus());
        await using var theirs = Build(metrics => metrics.AddMeter(meterName).AddPulsePrometheus());
        ours.MapPulseMetrics();
        await ours.StartAsync();
        await theirs.StartAsync();
        using var ourMeter = ours.Services.GetRequiredService<IMeterFactory>().Create(meterName);
        using var theirMeter = theirs.Services.GetRequiredService<IMeterFactory>().Create(meterName);
        ourMeter.CreateCounter<long>("jobs.done").Add(1);
        theirMeter.CreateCounter<long>("jobs.done").Add(5);
        using var client = new HttpClient { BaseAddress = new Uri(ours.Urls.First()), Timeout = TimeSpan.FromSeconds(10) };

        var text = await client.GetStringAsync("/metrics");

        Assert.Contains("jobs_done_total 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("jobs_done_total 5", text, StringComparison.Ordinal);
        Assert.DoesNotContain("jobs_done_total 6", text, StringComparison.Ordinal);
    }

    private static WebApplication Build(Action<MeterProviderBuilder> metrics)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics);
        return builder.Build();
    }
}
