using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Http;
using Pulse.Telemetry.Schema;

namespace Pulse.Telemetry.Tests;

/// <summary>Exact-text tests of the exposition, in both formats.</summary>
public sealed class PrometheusSerializerTests
{
    [Fact]
    public async Task CounterIsWrittenWithTotalSuffixHelpAndType()
    {
        using var harness = new ScrapeHarness();
        var counter = harness.Meter.CreateCounter<long>("jobs_processed", "{job}", "Jobs processed.");
        counter.Add(2, new KeyValuePair<string, object?>("queue", "fast"));
        counter.Add(1, new KeyValuePair<string, object?>("queue", "fast"));

        Assert.Equal(
            """
            # HELP jobs_processed_total Jobs processed.
            # TYPE jobs_processed_total counter
            jobs_processed_total{queue="fast"} 3

            """,
            await harness.ScrapeAsync());
    }

    [Fact]
    public async Task DoubleCounterKeepsItsFraction()
    {
        using var harness = new ScrapeHarness();
        harness.Meter.CreateCounter<double>("work.time", "s", "Time spent working.").Add(1.25);

        Assert.Equal(
            """
            # HELP work_time_seconds_total Time spent working.
            # TYPE work_time_seconds_total counter
            work_time_seconds_total 1.25

            """,
            await harness.ScrapeAsync());
    }

    [Fact]
    public async Task GaugeWritesLastValueAndSpecialValues()
    {
        using var harness = new ScrapeHarness();
        harness.Meter.CreateObservableGauge("queue_depth", () => 7L, "{item}", "Items waiting.");
        harness.Meter.CreateObservableGauge("limit", () => double.PositiveInfinity, "{item}", "No limit.");

        Assert.Equal(
            """
            # HELP queue_depth Items waiting.
            # TYPE queue_depth gauge
            queue_depth 7
            # HELP limit No limit.
            # TYPE limit gauge
            limit +Inf

            """,
            await harness.ScrapeAsync());
    }

    [Fact]
    public async Task UpDownCounterIsAGauge()
    {
        using var harness = new ScrapeHarness();
        var inFlight = harness.Meter.CreateUpDownCounter<long>("jobs.running", "{job}", "Jobs running.");
        inFlight.Add(3);
        inFlight.Add(-1);

        Assert.Equal(
            """
            # HELP jobs_running Jobs running.
            # TYPE jobs_running gauge
            jobs_running 2

            """,
            await harness.ScrapeAsync());
    }

    [Fact]
    public async Task HistogramHasCumulativeBucketsEndingInInfSumAndCount()
    {
        using var harness = new ScrapeHarness(configure: b => b.AddView("latency", new ExplicitBucketHistogramConfiguration { Boundaries = [0.1, 1] }));
        var histogram = harness.Meter.CreateHistogram<double>("latency", "s", "Time to answer.");
        histogram.Record(0.25);
        histogram.Record(0.5);
        histogram.Record(2);
        histogram.Record(0.05);

        Assert.Equal(
            """
            # HELP latency_seconds Time to answer.
            # TYPE latency_seconds histogram
            latency_seconds_bucket{le="0.1"} 1
            latency_seconds_bucket{le="1"} 3
            latency_seconds_bucket{le="+Inf"} 4
            latency_seconds_sum 2.8
            latency_seconds_count 4

            """,
            await harness.ScrapeAsync());
    }

    [Fact]
    public async Task LabelValuesEscapeBackslashQuoteAndNewLine()
    {
        using var harness = new ScrapeHarness();
        harness.Meter.CreateCounter<long>("odd", null, "Help with a \\ backslash\nand a \"quote\".")
            .Add(1, new KeyValuePair<string, object?>("path", "C:\\dir\"x\"\nnext"), new KeyValuePair<string, object?>("city", "Zürich"));

        Assert.Equal(
            """
            # HELP odd_total Help with a \\ backslash\nand a "quote".
            # TYPE odd_total counter
            odd_total{city="Zürich",path="C:\\dir\"x\"\nnext"} 1

            """,
            await harness.ScrapeAsync());
    }

    [Fact]
    public async Task LabelAndMetricNamesAreSanitized()
    {
        using var harness = new ScrapeHarness();
        harness.Meter.CreateCounter<long>("db.client-calls", null, "Calls.")
            .Add(1, new KeyValuePair<string, object?>("db.system", "postgresql"), new KeyValuePair<string, object?>("retry", true));

        Assert.Equal(
            """
            # HELP db_client_calls_total Calls.
            # TYPE db_client_calls_total counter
            db_client_calls_total{db_system="postgresql",retry="true"} 1

            """,
            await harness.ScrapeAsync());
    }

    [Fact]
    public async Task OpenMetricsNamesCounterFamilyWithoutTotalAddsUnitAndEof()
    {
        using var harness = new ScrapeHarness(configure: b => b.AddView("latency", new ExplicitBucketHistogramConfiguration { Boundaries = [0.5, 1] }));
        harness.Meter.CreateCounter<long>("jobs_processed_total", null, "Jobs \"processed\".").Add(5);
        var histogram = harness.Meter.CreateHistogram<double>("latency", "s", "Time to answer.");
        histogram.Record(0.75);

        Assert.Equal(
            """
            # HELP jobs_processed Jobs \"processed\".
            # TYPE jobs_processed counter
            jobs_processed_total 5
            # HELP latency_seconds Time to answer.
            # TYPE latency_seconds histogram
            # UNIT latency_seconds seconds
            latency_seconds_bucket{le="0.5"} 0
            latency_seconds_bucket{le="1.0"} 1
            latency_seconds_bucket{le="+Inf"} 1
            latency_seconds_sum 0.75
            latency_seconds_count 1
            # EOF

            """,
            await harness.ScrapeAsync(openMetrics: true));
    }

    [Fact]
    public async Task EmptyExpositionInOpenMetricsIsJustEof()
    {
        using var harness = new ScrapeHarness();

        Assert.Equal("# EOF\n", await harness.ScrapeAsync(openMetrics: true));
        Assert.Equal(string.Empty, await harness.ScrapeAsync());
    }

    [Fact]
    public async Task OneAggregationOfTheHostingDurationFeedsBothHttpFamiliesWithBoundedLabels()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var requests = new RequestAggregation([0.1, 1.0], PulseMetrics.Http.DefaultSizeBuckets);
        using var listener = new HttpRequestListener(new HostMeterScope(meterFactory), requests);
        using var harness = new ScrapeHarness(requests: requests);
        var duration = meterFactory.Create(PulseMetrics.AspNetCoreHostingMeterName).CreateHistogram<double>(HttpTags.ServerRequestDuration, "s");
        duration.Record(0.05, new TagList
        {
            { HttpTags.Method, "GET" }, { HttpTags.Route, "/products/{id}" },
            { HttpTags.StatusCode, 200 }, { "url.scheme", "http" },
        });
        duration.Record(0.5, new TagList
        {
            { HttpTags.Method, "_OTHER" }, { HttpTags.StatusCode, 404 }, { "url.scheme", "http" },
        });
        duration.Record(2.5, new TagList
        {
            { HttpTags.Method, "GET" }, { HttpTags.Route, "/products/{id}" },
            { HttpTags.StatusCode, 500 }, { "error.type", "System.TimeoutException" },
        });

        Assert.Equal(
            """
            # HELP http_request_duration_seconds Duration of HTTP requests in seconds.
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{method="GET",endpoint="/products/{id}",le="0.1"} 1
            http_request_duration_seconds_bucket{method="GET",endpoint="/products/{id}",le="1"} 1
            http_request_duration_seconds_bucket{method="GET",endpoint="/products/{id}",le="+Inf"} 2
            http_request_duration_seconds_sum{method="GET",endpoint="/products/{id}"} 2.55
            http_request_duration_seconds_count{method="GET",endpoint="/products/{id}"} 2
            http_request_duration_seconds_bucket{method="OTHER",endpoint="unmatched",le="0.1"} 0
            http_request_duration_seconds_bucket{method="OTHER",endpoint="unmatched",le="1"} 1
            http_request_duration_seconds_bucket{method="OTHER",endpoint="unmatched",le="+Inf"} 1
            http_request_duration_seconds_sum{method="OTHER",endpoint="unmatched"} 0.5
            http_request_duration_seconds_count{method="OTHER",endpoint="unmatched"} 1
            # HELP http_requests_total Total HTTP requests by method, endpoint and status code.
            # TYPE http_requests_total counter
            http_requests_total{method="GET",endpoint="/products/{id}",status_code="200"} 1
            http_requests_total{method="OTHER",endpoint="unmatched",status_code="404"} 1
            http_requests_total{method="GET",endpoint="/products/{id}",status_code="500"} 1

            """,
            await harness.ScrapeAsync());
    }

    [Fact]
    public async Task BodySizesAreHistogramsByMethodAndEndpointInBothFormats()
    {
        var requests = new RequestAggregation(PulseMetrics.Http.DefaultDurationBuckets, [100, 1000]);
        using var harness = new ScrapeHarness(requests: requests);
        requests.RecordSizes("POST", "/products", 201, requestBytes: 250, responseBytes: 80);
        requests.RecordSizes("POST", "/products", 400, requestBytes: 5000, responseBytes: 300);

        Assert.Equal(
            """
            # HELP http_request_size_bytes Size of HTTP request bodies.
            # TYPE http_request_size_bytes histogram
            http_request_size_bytes_bucket{method="POST",endpoint="/products",le="100"} 0
            http_request_size_bytes_bucket{method="POST",endpoint="/products",le="1000"} 1
            http_request_size_bytes_bucket{method="POST",endpoint="/products",le="+Inf"} 2
            http_request_size_bytes_sum{method="POST",endpoint="/products"} 5250
            http_request_size_bytes_count{method="POST",endpoint="/products"} 2
            # HELP http_response_size_bytes Size of HTTP response bodies.
            # TYPE http_response_size_bytes histogram
            http_response_size_bytes_bucket{method="POST",endpoint="/products",le="100"} 1
            http_response_size_bytes_bucket{method="POST",endpoint="/products",le="1000"} 2
            http_response_size_bytes_bucket{method="POST",endpoint="/products",le="+Inf"} 2
            http_response_size_bytes_sum{method="POST",endpoint="/products"} 380
            http_response_size_bytes_count{method="POST",endpoint="/products"} 2

            """,
            await harness.ScrapeAsync());
        Assert.Equal(
            """
            # HELP http_request_size_bytes Size of HTTP request bodies.
            # TYPE http_request_size_bytes histogram
            # UNIT http_request_size_bytes bytes
            http_request_size_bytes_bucket{method="POST",endpoint="/products",le="100.0"} 0
            http_request_size_bytes_bucket{method="POST",endpoint="/products",le="1000.0"} 1
            http_request_size_bytes_bucket{method="POST",endpoint="/products",le="+Inf"} 2
            http_request_size_bytes_sum{method="POST",endpoint="/products"} 5250
            http_request_size_bytes_count{method="POST",endpoint="/products"} 2
            # HELP http_response_size_bytes Size of HTTP response bodies.
            # TYPE http_response_size_bytes histogram
            # UNIT http_response_size_bytes bytes
            http_response_size_bytes_bucket{method="POST",endpoint="/products",le="100.0"} 1
            http_response_size_bytes_bucket{method="POST",endpoint="/products",le="1000.0"} 2
            http_response_size_bytes_bucket{method="POST",endpoint="/products",le="+Inf"} 2
            http_response_size_bytes_sum{method="POST",endpoint="/products"} 380
            http_response_size_bytes_count{method="POST",endpoint="/products"} 2
            # EOF

            """,
            await harness.ScrapeAsync(openMetrics: true));
    }

    [Fact]
    public async Task RuntimeCountersThatGoDownAreWrittenAsGauges()
    {
        using var harness = new ScrapeHarness();
        harness.Meter.CreateObservableCounter("dotnet.thread_pool.queue.length", () => 4L, "{work_item}", "Queued work items.");

        Assert.Equal(
            """
            # HELP dotnet_thread_pool_queue_length Queued work items.
            # TYPE dotnet_thread_pool_queue_length gauge
            dotnet_thread_pool_queue_length 4

            """,
            await harness.ScrapeAsync());
    }

    [Fact]
    public async Task TwoStreamsWithOneNameAreWrittenOnce()
    {
        using var harness = new ScrapeHarness();
        harness.Meter.CreateCounter<long>("hits", null, "First.").Add(1);
        harness.Meter.CreateCounter<long>("hits_total", null, "Second.").Add(2);

        var text = await harness.ScrapeAsync();

        Assert.Single(text.Split('\n'), line => line.StartsWith("# TYPE hits_total", StringComparison.Ordinal));
        Assert.Contains("hits_total 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentScrapesAllGetCompleteExpositions()
    {
        using var harness = new ScrapeHarness();
        var counter = harness.Meter.CreateCounter<long>("ticks", null, "Ticks.");
        counter.Add(1);

        var scrapes = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(() => harness.ScrapeAsync(openMetrics: i % 2 == 0))));

        Assert.All(scrapes, s => Assert.Contains("ticks_total 1\n", s, StringComparison.Ordinal));
        Assert.All(scrapes.Where((_, i) => i % 2 == 0), s => Assert.EndsWith("# EOF\n", s, StringComparison.Ordinal));
    }
}
