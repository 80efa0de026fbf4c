using System.Diagnostics.Metrics;
using System.Text;
using Io.Prometheus.Client;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Prometheus;

namespace Pulse.Telemetry.Tests;

/// <summary>A private meter, a MeterProvider that listens only to it, and the Prometheus scraper reading it (and a request aggregation, when given).</summary>
internal sealed class ScrapeHarness : IDisposable
{
    private readonly MeterProvider _provider;

    public ScrapeHarness(
        string? meterName = null, Action<MeterProviderBuilder>? configure = null, RequestAggregation? requests = null, PrometheusOptions? options = null)
    {
        Meter = new Meter(meterName ?? $"Pulse.Tests.{Guid.NewGuid():N}");
        Scraper = new PrometheusScraper(requests, options);
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

    /// <summary>A protobuf scrape, decoded into its metric families with the generated io.prometheus.client types.</summary>
    public async Task<List<MetricFamily>> ScrapeProtobufAsync()
    {
        var scrape = await Scraper.ScrapeAsync(ExpositionFormat.Protobuf, CancellationToken.None);
        Assert.NotNull(scrape);
        var families = new List<MetricFamily>();
        using var stream = new MemoryStream(scrape.Body);
        while (stream.Position < stream.Length)
        {
            families.Add(MetricFamily.Parser.ParseDelimitedFrom(stream));
        }

        return families;
    }

    public void Dispose()
    {
        _provider.Dispose();
        Scraper.Dispose();
        Meter.Dispose();
    }
}
