using System.Diagnostics;
using Pulse.Telemetry.Collection;

namespace Pulse.Telemetry.Tests;

/// <summary>
/// Exemplars on the request duration's buckets: exact OpenMetrics text, none in the 0.0.4 text format, none
/// without a sampled trace, and one per bucket, the latest.
/// </summary>
public sealed class ExemplarExpositionTests
{
    private const string Route = "/products/{id}";

    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);

    [Fact]
    public async Task SampledRequestsGiveTheirBucketItsLatestExemplarInOpenMetrics()
    {
        var clock = new ManualClock(Start);
        var requests = new RequestAggregation([0.1, 1.0], PulseMetrics.Http.DefaultSizeBuckets, exemplars: true, clock: clock);
        using var harness = new ScrapeHarness(requests: requests);

        var first = Record(requests, 200, 0.0625, sampled: true);
        clock.Now = Start.AddMilliseconds(1_005);
        var latest = Record(requests, 404, 0.03125, sampled: true);
        clock.Now = Start.AddMilliseconds(2_000);
        Record(requests, 200, 0.046875, sampled: false);
        Record(requests, 200, 0.5, sampled: null);
        var slow = Record(requests, 200, 2.5, sampled: true);

        Assert.NotEqual(first.TraceId, latest.TraceId);
        Assert.Equal(
            $$"""
            # HELP http_request_duration_seconds Duration of HTTP requests in seconds.
            # TYPE http_request_duration_seconds histogram
            # UNIT http_request_duration_seconds seconds
            http_request_duration_seconds_bucket{method="GET",endpoint="/products/{id}",le="0.1"} 3 # {trace_id="{{latest.TraceId}}",span_id="{{latest.SpanId}}"} 0.03125 1700000001.128
            http_request_duration_seconds_bucket{method="GET",endpoint="/products/{id}",le="1.0"} 4
            http_request_duration_seconds_bucket{method="GET",endpoint="/products/{id}",le="+Inf"} 5 # {trace_id="{{slow.TraceId}}",span_id="{{slow.SpanId}}"} 2.5 1700000002.123
            http_request_duration_seconds_sum{method="GET",endpoint="/products/{id}"} 3.140625
            http_request_duration_seconds_count{method="GET",endpoint="/products/{id}"} 5
            # HELP http_requests Total HTTP requests by method, endpoint and status code.
            # TYPE http_requests counter
            http_requests_total{method="GET",endpoint="/products/{id}",status_code="200"} 4
            http_requests_total{method="GET",endpoint="/products/{id}",status_code="404"} 1
            # EOF

            """,
            await harness.ScrapeAsync(openMetrics: true));
    }

    [Fact]
    public async Task TheTextFormatCarriesNoExemplarAndIsTheSameAsWithExemplarsOff()
    {
        var withExemplars = new RequestAggregation([0.1, 1.0], PulseMetrics.Http.DefaultSizeBuckets, exemplars: true);
        var without = new RequestAggregation([0.1, 1.0], PulseMetrics.Http.DefaultSizeBuckets, exemplars: false);
        using var exemplarHarness = new ScrapeHarness(requests: withExemplars);
        using var plainHarness = new ScrapeHarness(requests: without);
        foreach (var requests in new[] { withExemplars, without })
        {
            Record(requests, 200, 0.0625, sampled: true);
            Record(requests, 500, 2.5, sampled: true);
        }

        var text = await exemplarHarness.ScrapeAsync();
        Assert.DoesNotContain(" # {", text, StringComparison.Ordinal);
        Assert.Equal(await plainHarness.ScrapeAsync(), text);
        Assert.Contains(" # {trace_id=", await exemplarHarness.ScrapeAsync(openMetrics: true), StringComparison.Ordinal);
        Assert.DoesNotContain(" # {", await plainHarness.ScrapeAsync(openMetrics: true), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestsOfUnsampledTracesOrWithoutTraceLeaveOpenMetricsAsItWas()
    {
        var withExemplars = new RequestAggregation([0.1, 1.0], PulseMetrics.Http.DefaultSizeBuckets, exemplars: true);
        var without = new RequestAggregation([0.1, 1.0], PulseMetrics.Http.DefaultSizeBuckets, exemplars: false);
        using var exemplarHarness = new ScrapeHarness(requests: withExemplars);
        using var plainHarness = new ScrapeHarness(requests: without);
        foreach (var requests in new[] { withExemplars, without })
        {
            Record(requests, 200, 0.0625, sampled: false);
            Record(requests, 200, 0.5, sampled: null);
        }

        Assert.Equal(await plainHarness.ScrapeAsync(openMetrics: true), await exemplarHarness.ScrapeAsync(openMetrics: true));
    }

    [Fact]
    public void ExemplarLabelsOverTheOpenMetricsLimitAreNotWritten()
    {
        var fits = new Formats.Prometheus.BucketExemplar(new string('a', 32), new string('b', 16), 1, 1);
        var tooLong = new Formats.Prometheus.BucketExemplar(new string('a', 100), new string('b', 14), 1, 1);
        var exactly = new Formats.Prometheus.BucketExemplar(new string('a', 100), new string('b', 13), 1, 1);

        Assert.True(fits.FitsLabelLimit);
        Assert.False(tooLong.FitsLabelLimit);
        Assert.True(exactly.FitsLabelLimit);
    }

    /// <summary>
    /// Records a duration while an activity of a new trace is current (recorded when <paramref name="sampled"/>),
    /// or with no activity at all (null); returns the ids an exemplar would carry.
    /// </summary>
    internal static (string TraceId, string SpanId) Record(RequestAggregation requests, int statusCode, double seconds, bool? sampled)
    {
        if (sampled is null)
        {
            Assert.Null(Activity.Current);
            requests.RecordDuration("GET", Route, statusCode, seconds);
            return (string.Empty, string.Empty);
        }

        using var activity = new Activity("request");
        activity.SetParentId(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), sampled.Value ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None);
        activity.Start();
        Assert.Equal(sampled.Value, activity.Recorded);
        requests.RecordDuration("GET", Route, statusCode, seconds);
        return (activity.TraceId.ToHexString(), activity.SpanId.ToHexString());
    }
}

/// <summary>A clock that says what it is told.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
