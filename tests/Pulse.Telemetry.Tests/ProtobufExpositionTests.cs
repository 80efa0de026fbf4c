using Google.Protobuf.WellKnownTypes;
using Io.Prometheus.Client;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Schema;
using Exemplar = Io.Prometheus.Client.Exemplar;
using Histogram = Io.Prometheus.Client.Histogram;
using Metric = Io.Prometheus.Client.Metric;
using MetricType = Io.Prometheus.Client.MetricType;

namespace Pulse.Telemetry.Tests;

/// <summary>
/// The protobuf exposition decoded with the generated io.prometheus.client types and compared with the messages
/// it must hold: the request duration with its classic buckets, exemplars and native buckets, every other family
/// as in the text formats.
/// </summary>
public sealed class ProtobufExpositionTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);

    [Fact]
    public async Task TheRequestDurationCarriesClassicBucketsWithExemplarsAndNativeBucketsAtSchemaFive()
    {
        var requests = new RequestAggregation([0.1, 1.0], PulseMetrics.Http.DefaultSizeBuckets, exemplars: true, cumulativeExponential: true, clock: new ManualClock(Now));
        using var harness = new ScrapeHarness(requests: requests);

        // Powers of two sit on native bucket boundaries, which are upper-inclusive: 2^k is in bucket 32k.
        var sampled = ExemplarExpositionTests.Record(requests, 200, 0.0625, sampled: true);
        ExemplarExpositionTests.Record(requests, 200, 0.03125, sampled: null);
        ExemplarExpositionTests.Record(requests, 200, 0.5, sampled: null);
        ExemplarExpositionTests.Record(requests, 404, 0.5, sampled: false);
        ExemplarExpositionTests.Record(requests, 200, 2.5, sampled: null);
        ExemplarExpositionTests.Record(requests, 200, 0, sampled: null);

        var families = await harness.ScrapeProtobufAsync();

        Assert.Equal(["http_request_duration_seconds", "http_requests_total"], families.Select(f => f.Name));
        var duration = families[0];
        Assert.Equal(MetricType.Histogram, duration.Type);
        Assert.Equal("Duration of HTTP requests in seconds.", duration.Help);
        var metric = Assert.Single(duration.Metric);
        Assert.Equal([("method", "GET"), ("endpoint", "/products/{id}")], metric.Label.Select(l => (l.Name, l.Value)));

        var expected = new Histogram
        {
            SampleCount = 6,
            SampleSum = 3.59375,
            Bucket =
            {
                new Bucket
                {
                    CumulativeCount = 3,
                    UpperBound = 0.1,
                    Exemplar = new Exemplar
                    {
                        Label = { new LabelPair { Name = "trace_id", Value = sampled.TraceId }, new LabelPair { Name = "span_id", Value = sampled.SpanId } },
                        Value = 0.0625,
                        Timestamp = new Timestamp { Seconds = 1_700_000_000, Nanos = 123_000_000 },
                    },
                },
                new Bucket { CumulativeCount = 5, UpperBound = 1 },
                new Bucket { CumulativeCount = 6, UpperBound = double.PositiveInfinity },
            },
            Schema = 5,
            ZeroThreshold = Math.Pow(2, -639.0 / 32),
            ZeroCount = 1,

            // Buckets -160 (2^-5), -128 (2^-4), -32 (2^-1, twice) and 43 (2.5 is in (2^(42/32), 2^(43/32)]).
            PositiveSpan =
            {
                new BucketSpan { Offset = -160, Length = 1 },
                new BucketSpan { Offset = 31, Length = 1 },
                new BucketSpan { Offset = 95, Length = 1 },
                new BucketSpan { Offset = 74, Length = 1 },
            },
            PositiveDelta = { 1, 0, 1, -1 },
        };
        Assert.Equal(expected, metric.Histogram);
        Assert.Equal(
            new Dictionary<int, long> { [-160] = 1, [-128] = 1, [-32] = 2, [43] = 1 },
            NativeCounts(metric.Histogram));

        var total = families[1];
        Assert.Equal(MetricType.Counter, total.Type);
        Assert.Equal([5.0, 1.0], total.Metric.Select(m => m.Counter.Value));
        Assert.Equal("404", total.Metric[1].Label.Single(l => l.Name == "status_code").Value);
    }

    [Fact]
    public async Task NativeBucketsAreTheValuesOwnBucketsAcrossTheRange()
    {
        var requests = new RequestAggregation(PulseMetrics.Http.DefaultDurationBuckets, PulseMetrics.Http.DefaultSizeBuckets, cumulativeExponential: true);
        using var harness = new ScrapeHarness(requests: requests);
        var expected = new Dictionary<int, long>();
        var random = new Random(16);
        for (var i = 0; i < 2000; i++)
        {
            // Log-uniform from 30 µs to 30 s; the bucket of v is the smallest i with 2^(i/32) >= v.
            var seconds = Math.Pow(10, -4.5 + (6 * random.NextDouble()));
            var index = (int)Math.Ceiling(Math.Log2(seconds) * 32);
            expected[index] = expected.GetValueOrDefault(index) + 1;
            requests.RecordDuration("GET", "/", 200, seconds);
        }

        var histogram = Assert.Single((await harness.ScrapeProtobufAsync())[0].Metric).Histogram;
        Assert.Equal(expected.OrderBy(p => p.Key), NativeCounts(histogram).OrderBy(p => p.Key));
        Assert.Equal(0ul, histogram.ZeroCount);
        Assert.Equal(2000ul, histogram.SampleCount);
    }

    [Fact]
    public async Task WithoutNativeHistogramsTheDurationIsAClassicHistogram()
    {
        var requests = new RequestAggregation([0.1, 1.0], PulseMetrics.Http.DefaultSizeBuckets, cumulativeExponential: true);
        using var harness = new ScrapeHarness(requests: requests, options: new PrometheusOptions { NativeHistograms = false });
        requests.RecordDuration("GET", "/", 200, 0.5);

        var histogram = Assert.Single((await harness.ScrapeProtobufAsync())[0].Metric).Histogram;
        Assert.False(histogram.HasSchema);
        Assert.False(histogram.HasZeroThreshold);
        Assert.Empty(histogram.PositiveSpan);
        Assert.Equal([0ul, 1ul, 1ul], histogram.Bucket.Select(b => b.CumulativeCount));
    }

    [Fact]
    public async Task ADurationHistogramWithOnlyZeroDurationsStillReadsAsNative()
    {
        var requests = new RequestAggregation([0.1], PulseMetrics.Http.DefaultSizeBuckets, cumulativeExponential: true);
        using var harness = new ScrapeHarness(requests: requests);
        requests.RecordDuration("GET", "/", 200, 0);

        var histogram = Assert.Single((await harness.ScrapeProtobufAsync())[0].Metric).Histogram;
        Assert.Equal(1ul, histogram.ZeroCount);
        Assert.Equal(new BucketSpan { Offset = 0, Length = 0 }, Assert.Single(histogram.PositiveSpan));
        Assert.Empty(histogram.PositiveDelta);
    }

    [Fact]
    public async Task CountersGaugesAndClassicHistogramsAreEncodedAsInTheTextFormat()
    {
        using var harness = new ScrapeHarness(configure: builder => builder.AddView("latency", new ExplicitBucketHistogramConfiguration { Boundaries = [0.5, 1] }));
        var counter = harness.Meter.CreateCounter<long>("jobs_processed", "{job}", "Jobs processed.");
        counter.Add(3, new KeyValuePair<string, object?>("queue", "fast"));
        harness.Meter.CreateObservableGauge("queue_depth", () => 7L, "{item}", "Items waiting.");
        harness.Meter.CreateCounter<double>("work.time", "s", string.Empty).Add(1.25);
        var latency = harness.Meter.CreateHistogram<double>("latency", "s", "Latency.");
        latency.Record(0.25);
        latency.Record(2);

        var families = (await harness.ScrapeProtobufAsync()).ToDictionary(f => f.Name);

        Assert.Equal(["jobs_processed_total", "latency_seconds", "queue_depth", "work_time_seconds_total"], families.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(
            new MetricFamily
            {
                Name = "jobs_processed_total",
                Help = "Jobs processed.",
                Type = MetricType.Counter,
                Metric = { new Metric { Label = { new LabelPair { Name = "queue", Value = "fast" } }, Counter = new Counter { Value = 3 } } },
            },
            families["jobs_processed_total"]);
        Assert.Equal(new MetricFamily { Name = "queue_depth", Help = "Items waiting.", Type = MetricType.Gauge, Metric = { new Metric { Gauge = new Gauge { Value = 7 } } } }, families["queue_depth"]);
        Assert.False(families["work_time_seconds_total"].HasHelp);
        Assert.Equal(1.25, families["work_time_seconds_total"].Metric[0].Counter.Value);
        Assert.Equal(
            new Histogram
            {
                SampleCount = 2,
                SampleSum = 2.25,
                Bucket =
                {
                    new Bucket { CumulativeCount = 1, UpperBound = 0.5 },
                    new Bucket { CumulativeCount = 1, UpperBound = 1 },
                    new Bucket { CumulativeCount = 2, UpperBound = double.PositiveInfinity },
                },
            },
            families["latency_seconds"].Metric[0].Histogram);
    }

    [Fact]
    public void TheZeroThresholdIsTheUpperBoundOfTheLowestExponentialBucket() =>
        Assert.Equal(ExponentialIndex.LowerBound(ExponentialIndex.MinIndex + 1), PrometheusSchema.NativeZeroThreshold);

    /// <summary>Bucket index to count, read back from the spans and deltas.</summary>
    private static Dictionary<int, long> NativeCounts(Histogram histogram)
    {
        var counts = new Dictionary<int, long>();
        var index = 0;
        var delta = 0;
        long count = 0;
        foreach (var span in histogram.PositiveSpan)
        {
            index += span.Offset;
            for (var i = 0; i < span.Length; i++, index++)
            {
                count += histogram.PositiveDelta[delta++];
                if (count != 0)
                {
                    counts[index] = count;
                }
            }
        }

        Assert.Equal(histogram.PositiveDelta.Count, delta);
        return counts;
    }
}
