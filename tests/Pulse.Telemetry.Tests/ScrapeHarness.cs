using System.Diagnostics.Metrics;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Prometheus;

namespace Pulse.Telemetry.Tests;

/// <summary>A private meter, a MeterProvider that listens only to it, and the Prometheus scraper reading it (and a request aggregation, when given).</summary>
internal sealed class ScrapeHarness : IDisposable
{
    private readonly MeterProvider _provider;

    public ScrapeHarness(string? meterName = null, Action<MeterProviderBuilder>? configure = null, RequestAggregation? requests = null)
    {
        Meter = new Meter(meterName ?? $"Pulse.Tests.{Guid.NewGuid():N}");
        Scraper = new PrometheusScraper(requests);
        var builder = Sdk.CreateMeterProviderBuilder().AddMeter(Meter.Name).AddReader(Scraper.Reader);
        configure?.Invoke(builder);
        _provider = builder.Build();
    }

    public Meter Meter { get; }

    public PrometheusScraper Scraper { get; }

    public async Task<string> ScrapeAsync(bool openMetrics = false)
    {
        var scrape = await Scraper.ScrapeAsync(openMetrics, CancellationToken.None);
        Assert.NotNull(scrape);
        return Encoding.UTF8.GetString(scrape.Body);
    }

    public void Dispose()
    {
        _provider.Dispose();
        Scraper.Dispose();
        Meter.Dispose();
    }
}
