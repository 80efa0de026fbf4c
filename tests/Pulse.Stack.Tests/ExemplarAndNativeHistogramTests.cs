using Pulse.Testing;

namespace Pulse.Stack.Tests;

/// <summary>
/// From a bucket to the request that filled it, and native-histogram quantiles, proven against Debian's
/// Prometheus 2.42 scraping the running service (see <see cref="TracedStackFixture"/>).
/// </summary>
public sealed class ExemplarAndNativeHistogramTests(TracedStackFixture stack) : IClassFixture<TracedStackFixture>
{
    private static readonly TimeSpan DataTimeout = TimeSpan.FromSeconds(90);

    [RequiresToolsFact("prometheus")]
    public async Task PrometheusStoresExemplarsWhoseTraceIdsAreThoseOfTheServicesSampledRequests()
    {
        using var stop = new CancellationTokenSource();
        var traffic = DriveAsync("/", stop.Token);
        try
        {
            await Wait.UntilAsync(
                async () => (await ExemplarTraceIdsAsync(stack.Classic)).Count > 0 && (await ExemplarTraceIdsAsync(stack.Native)).Count > 0,
                DataTimeout,
                "exemplars in both Prometheus servers",
                TimeSpan.FromMilliseconds(500));
        }
        finally
        {
            await stop.CancelAsync();
            await traffic;
        }

        // A span reaches the receiver shortly after its request's measurement: wait for every exemplar's.
        var classic = await ExemplarsAsync(stack.Classic);
        var native = await ExemplarsAsync(stack.Native);
        await Wait.UntilAsync(
            async () => (await stack.Traces.SampledTraceIdsAsync()).IsSupersetOf(classic.Concat(native).Select(e => e.TraceId)),
            TimeSpan.FromSeconds(30),
            "the traces of every exemplar to be known as sampled",
            TimeSpan.FromMilliseconds(250));

        var sampled = await stack.Traces.SampledTraceIdsAsync();
        var unsampled = await stack.Traces.UnsampledTraceIdsAsync();
        var spans = await stack.Traces.ServiceSpansAsync();
        Assert.NotEmpty(unsampled);
        foreach (var (exemplars, name) in new[] { (classic, "OpenMetrics"), (native, "protobuf") })
        {
            Assert.NotEmpty(exemplars);
            Assert.All(exemplars, e =>
            {
                Assert.Contains(e.TraceId, sampled);
                Assert.DoesNotContain(e.TraceId, unsampled);
                Assert.Matches("^[0-9a-f]{16}$", e.SpanId);
                Assert.True(e.Value is > 0 and < 10, $"{name}: exemplar of trace {e.TraceId} has the value {e.Value}");

                // The exemplar's span is the service's own span of that request, as exported.
                Assert.True(spans is null || spans.Contains((e.TraceId, e.SpanId)), $"{name}: no exported server span {e.TraceId}/{e.SpanId}");
            });
        }
    }

    /// <summary>
    /// <c>histogram_quantile(0.99, rate(http_request_duration_seconds[1m]))</c> on the native series against the
    /// classic buckets' estimate of the same requests: a burst between two quiet moments, the native rate over a
    /// one-minute window that begins in the quiet before it, the classic buckets as the exact difference between
    /// the final scrape and the one before the burst. (Not the classic rate: Prometheus extrapolates each classic
    /// bucket series on its own and stops at zero a series that starts at zero, which moves a tail quantile by
    /// more than a bucket when the window holds a few seconds of data; it extrapolates a native histogram as a
    /// whole, which leaves its quantiles unchanged.) The classic buckets are the native ones here (see
    /// <see cref="TracedStackFixture"/>) and both estimates interpolate linearly in the bucket that holds the
    /// rank, so they agree to rounding: the tolerance asserted is one native bucket, a factor of 2^(1/32)
    /// (2.2 %), the native schema's resolution; an index off by one is exactly that factor, which the comparison
    /// of the cumulative histograms (to 1e-9) catches.
    /// </summary>
    [RequiresToolsFact("prometheus")]
    public async Task TheNativeQuantileAgreesWithTheClassicBucketsEstimateWithinOneNativeBucket()
    {
        const string Path = "/Welcome?name=Ada";
        const string Selector = "{endpoint=\"/Welcome\",method=\"GET\"}";
        const string Requests = $"sum(http_requests_total{Selector})";

        for (var i = 0; i < 20; i++)
        {
            await stack.GetAsync(Path);
        }

        await WaitForCountAsync(Requests, 20);
        var quiet = DateTimeOffset.UtcNow;
        await Wait.UntilAsync(
            async () => await ScrapedAfterAsync(stack.Native, quiet) && await ScrapedAfterAsync(stack.Classic, quiet),
            DataTimeout,
            "a scrape of both servers after the quiet moment",
            TimeSpan.FromMilliseconds(250));

        // 99 % of 3,050 (and of 3,070) is no whole number: the rank never sits exactly on a bucket's cumulative
        // count, where rounding in the rate's floating-point counts could send one estimate across an empty
        // bucket and the other not.
        const int Burst = 3050;
        var workers = Enumerable.Range(0, 4).Select(async worker =>
        {
            for (var i = worker; i < Burst; i += 4)
            {
                await stack.GetAsync(Path);
            }
        });
        await Task.WhenAll(workers);
        await WaitForCountAsync(Requests, 20 + Burst);

        var now = DateTimeOffset.UtcNow;
        var windowEnd = quiet.AddMinutes(1);
        Assert.True(now < windowEnd, $"the burst and its scrapes took {(now - quiet).TotalSeconds:0} s, more than the one-minute window");
        var native = await stack.Native.QueryScalarAtAsync($"histogram_quantile(0.99, rate(http_request_duration_seconds{Selector}[1m]))", windowEnd);
        var sinceQuiet = (long)(now - quiet).TotalMilliseconds;
        var classic = await stack.Classic.QueryScalarAtAsync(
            $"histogram_quantile(0.99, http_request_duration_seconds_bucket{Selector} - http_request_duration_seconds_bucket{Selector} offset {sinceQuiet}ms)", now);
        Assert.NotNull(native);
        Assert.NotNull(classic);
        Assert.True(
            Math.Abs(Math.Log2(native.Value / classic.Value)) <= 1.0 / 32,
            $"native p99 {native} s against classic {classic} s: more than one native bucket apart");

        var nativeTotal = await stack.Native.QueryScalarAtAsync($"histogram_quantile(0.99, http_request_duration_seconds{Selector})", now);
        var classicTotal = await stack.Classic.QueryScalarAtAsync($"histogram_quantile(0.99, http_request_duration_seconds_bucket{Selector})", now);
        Assert.NotNull(nativeTotal);
        Assert.NotNull(classicTotal);
        Assert.True(Math.Abs((nativeTotal.Value / classicTotal.Value) - 1) < 1e-9, $"native p99 {nativeTotal} s against classic {classicTotal} s over the same histogram");
    }

    /// <summary>Whether <paramref name="server"/>'s latest sample of the requests counter is later than <paramref name="moment"/>.</summary>
    private static async Task<bool> ScrapedAfterAsync(PrometheusServer server, DateTimeOffset moment) =>
        await server.QueryScalarAsync("max(timestamp(http_requests_total{endpoint=\"/Welcome\"}))") > moment.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Waits until both servers' latest scrape shows <paramref name="expected"/> for <paramref name="promql"/>.</summary>
    private async Task WaitForCountAsync(string promql, double expected) =>
        await Wait.UntilAsync(
            async () => await stack.Native.QueryScalarAsync(promql) == expected && await stack.Classic.QueryScalarAsync(promql) == expected,
            DataTimeout,
            $"both servers to scrape {promql} = {expected}",
            TimeSpan.FromMilliseconds(250));

    private async Task DriveAsync(string path, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await stack.GetAsync(path, stop);

                // Pacing, not waiting for a condition: a few hundred requests per second at most.
                await Task.Delay(TimeSpan.FromMilliseconds(5), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<HashSet<string>> ExemplarTraceIdsAsync(PrometheusServer server) =>
        (await ExemplarsAsync(server)).Select(e => e.TraceId).ToHashSet(StringComparer.Ordinal);

    private static async Task<List<(string TraceId, string SpanId, double Value)>> ExemplarsAsync(PrometheusServer server)
    {
        var data = await server.QueryExemplarsAsync("{__name__=~\"http_request_duration_seconds.*\"}", TimeSpan.FromMinutes(10));
        var result = new List<(string, string, double)>();
        foreach (var series in data.EnumerateArray())
        {
            foreach (var exemplar in series.GetProperty("exemplars").EnumerateArray())
            {
                var labels = exemplar.GetProperty("labels");
                result.Add((
                    labels.GetProperty("trace_id").GetString()!,
                    labels.GetProperty("span_id").GetString()!,
                    double.Parse(exemplar.GetProperty("value").GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        return result;
    }
}
