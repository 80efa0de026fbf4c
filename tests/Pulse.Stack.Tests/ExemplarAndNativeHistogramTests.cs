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

        var sampled = await stack.Traces.SampledTraceIdsAsync();
        var unsampled = await stack.Traces.UnsampledTraceIdsAsync();
        Assert.NotEmpty(unsampled);
        foreach (var (server, name) in new[] { (stack.Classic, "OpenMetrics"), (stack.Native, "protobuf") })
        {
            var exemplars = await ExemplarsAsync(server);
            Assert.All(exemplars, e =>
            {
                Assert.Contains(e.TraceId, sampled);
                Assert.DoesNotContain(e.TraceId, unsampled);
                Assert.Matches("^[0-9a-f]{16}$", e.SpanId);
                Assert.True(e.Value is > 0 and < 10, $"{name}: exemplar of trace {e.TraceId} has the value {e.Value}");
            });
        }
    }

    /// <summary>
    /// The query on the native series against the classic buckets' estimate, both over the same burst of
    /// requests: the classic buckets are the native ones here (see <see cref="TracedStackFixture"/>), and both
    /// estimates interpolate linearly inside the bucket that holds the 99th percentile's rank. What may still
    /// differ is <c>rate()</c>'s extrapolation to the window's edges, which Prometheus applies to a histogram as
    /// a whole but to each classic bucket series on its own (a bucket series that starts at zero is extrapolated
    /// only down to zero): at most half a scrape interval in a window of about a minute, about 1 % of some
    /// buckets' counts. The tolerance is one native bucket, a factor of 2^(1/32) (2.2 %): the native schema's
    /// resolution. Without rate(), on the cumulative histograms both servers read from the same final scrape, the
    /// two estimates are the same number (to 1e-9), which an index off by one (a factor of 2^(1/32)) would break.
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

        const int Burst = 3000;
        var workers = Enumerable.Range(0, 4).Select(async worker =>
        {
            for (var i = worker; i < Burst; i += 4)
            {
                await stack.GetAsync(Path);
            }
        });
        await Task.WhenAll(workers);
        await WaitForCountAsync(Requests, 20 + Burst);

        var at = DateTimeOffset.UtcNow;
        var native = await stack.Native.QueryScalarAtAsync($"histogram_quantile(0.99, rate(http_request_duration_seconds{Selector}[1m]))", at);
        var classic = await stack.Classic.QueryScalarAtAsync($"histogram_quantile(0.99, rate(http_request_duration_seconds_bucket{Selector}[1m]))", at);
        Assert.NotNull(native);
        Assert.NotNull(classic);
        Assert.True(
            Math.Abs(Math.Log2(native.Value / classic.Value)) <= 1.0 / 32,
            $"native p99 {native} s against classic {classic} s: more than one native bucket apart");

        var nativeTotal = await stack.Native.QueryScalarAtAsync($"histogram_quantile(0.99, http_request_duration_seconds{Selector})", at);
        var classicTotal = await stack.Classic.QueryScalarAtAsync($"histogram_quantile(0.99, http_request_duration_seconds_bucket{Selector})", at);
        Assert.NotNull(nativeTotal);
        Assert.NotNull(classicTotal);
        Assert.True(Math.Abs((nativeTotal.Value / classicTotal.Value) - 1) < 1e-9, $"native p99 {nativeTotal} s against classic {classicTotal} s over the same histogram");
    }

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
