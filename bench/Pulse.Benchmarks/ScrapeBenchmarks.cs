using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Prometheus;

namespace Pulse.Benchmarks;

/// <summary>
/// One scrape (collect from the SDK and serialize) of 10,000 series: four counters of 2,000 label sets
/// each, and a histogram with 143 label sets of 11 bounds (14 lines each: buckets, +Inf, sum, count).
/// </summary>
[MemoryDiagnoser]
public class ScrapeBenchmarks
{
    private Meter _meter = null!;
    private MeterProvider _provider = null!;
    private PrometheusScraper _scraper = null!;

    [GlobalSetup]
    public void Setup()
    {
        _meter = new Meter("Pulse.Benchmarks.Scrape");
        _scraper = new PrometheusScraper();
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(_meter.Name)
            .AddView("latency", new ExplicitBucketHistogramConfiguration { Boundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 1, 2, 5, 10] })
            .AddReader(_scraper.Reader)
            .Build();

        for (var c = 0; c < 4; c++)
        {
            var counter = _meter.CreateCounter<long>($"requests_{c}", null, "Requests.");
            for (var i = 0; i < 2000; i++)
            {
                counter.Add(i + 1, new("endpoint", $"/route/{i % 100}/{{id}}"), new("status_code", 200 + (i / 100)));
            }
        }

        var histogram = _meter.CreateHistogram<double>("latency", "s", "Latency.");
        for (var i = 0; i < 143; i++)
        {
            histogram.Record(0.001 * (i + 1), new KeyValuePair<string, object?>("endpoint", $"/route/{i}"));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        _scraper.Dispose();
        _meter.Dispose();
    }

    [Benchmark]
    public async Task<int> ScrapeTenThousandSeries()
    {
        var scrape = await _scraper.ScrapeAsync(openMetrics: false, CancellationToken.None);
        return scrape!.Body.Length;
    }

    [Benchmark]
    public async Task<int> ScrapeTenThousandSeriesAsOpenMetrics()
    {
        var scrape = await _scraper.ScrapeAsync(openMetrics: true, CancellationToken.None);
        return scrape!.Body.Length;
    }

    [Benchmark]
    public async Task<int> ScrapeTenThousandSeriesAsProtobuf()
    {
        var scrape = await _scraper.ScrapeAsync(ExpositionFormat.Protobuf, CancellationToken.None);
        return scrape!.Body.Length;
    }
}
