using System.Diagnostics;
using Io.Prometheus.Client;
using Pulse.Testing;

namespace Pulse.Api.Tests;

/// <summary>
/// The service's exposition as each kind of scraper gets it: exemplars of sampled requests in OpenMetrics and
/// protobuf, none in the 0.0.4 text format, the request duration as a native histogram in protobuf.
/// </summary>
public sealed class ExemplarScrapeTests : IClassFixture<PulseApiFactory>
{
    private const string OpenMetrics = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    private const string Protobuf = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    private readonly HttpClient _client;

    public ExemplarScrapeTests(PulseApiFactory factory) => _client = factory.CreateClient();

    [Fact]
    public async Task ASampledRequestsTraceIdIsAnExemplarInOpenMetricsAndNeverInText()
    {
        var sampled = await GetWithTraceAsync("/Welcome?name=Exemplar", sampled: true);
        var unsampled = await GetWithTraceAsync("/Welcome?name=Unsampled", sampled: false);

        string openMetrics = string.Empty;
        await Wait.UntilAsync(
            async () => (openMetrics = await ScrapeAsync(OpenMetrics)).Contains(sampled, StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            "the sampled request's exemplar");

        var line = Assert.Single(openMetrics.Split('\n'), l => l.Contains(sampled, StringComparison.Ordinal));
        Assert.Matches(
            $$"""^http_request_duration_seconds_bucket\{method="GET",endpoint="/Welcome",le="[^"]+"\} \d+ # \{trace_id="{{sampled}}",span_id="[0-9a-f]{16}"\} [0-9.e-]+ \d+\.\d{3}$""",
            line);
        Assert.DoesNotContain(unsampled, openMetrics, StringComparison.Ordinal);

        var text = await ScrapeAsync(null);
        Assert.DoesNotContain(" # {", text, StringComparison.Ordinal);
        Assert.DoesNotContain(sampled, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AScraperAskingForProtobufGetsTheDurationAsANativeHistogramBesideItsClassicBuckets()
    {
        var sampled = await GetWithTraceAsync("/", sampled: true);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation("Accept", Protobuf);
        using var response = await _client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        Assert.Equal(
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
            response.Content.Headers.ContentType?.ToString());

        var families = new List<MetricFamily>();
        await using (var body = await response.Content.ReadAsStreamAsync())
        {
            using var buffer = new MemoryStream();
            await body.CopyToAsync(buffer);
            buffer.Position = 0;
            while (buffer.Position < buffer.Length)
            {
                families.Add(MetricFamily.Parser.ParseDelimitedFrom(buffer));
            }
        }

        var duration = Assert.Single(families, f => f.Name == "http_request_duration_seconds");
        Assert.Equal(MetricType.Histogram, duration.Type);
        var root = Assert.Single(duration.Metric, m => m.Label.Any(l => l.Name == "endpoint" && l.Value == "/"));
        var histogram = root.Histogram;
        Assert.Equal(5, histogram.Schema);
        Assert.NotEmpty(histogram.PositiveSpan);
        Assert.Equal((long)histogram.SampleCount, histogram.PositiveDelta.Aggregate((Sum: 0L, Count: 0L), (a, d) => (a.Sum + a.Count + d, a.Count + d)).Sum + (long)histogram.ZeroCount);
        Assert.Equal(histogram.SampleCount, histogram.Bucket[^1].CumulativeCount);
        Assert.Contains(histogram.Bucket, b => b.Exemplar?.Label.Any(l => l.Name == "trace_id" && l.Value == sampled) == true);

        Assert.Contains(families, f => f.Name == "http_requests_total" && f.Type == MetricType.Counter);
        Assert.Contains(families, f => f.Name == "process_cpu_seconds_total" && f.Type == MetricType.Counter);
        Assert.Contains(families, f => f.Type == MetricType.Gauge);
    }

    /// <summary>GETs <paramref name="path"/> as part of a new trace, sampled or not, and returns the trace id.</summary>
    private async Task<string> GetWithTraceAsync(string path, bool sampled)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-{(sampled ? "01" : "00")}");
        using var response = await _client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return traceId;
    }

    private async Task<string> ScrapeAsync(string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        using var response = await _client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        Assert.Equal(accept is null ? "text/plain" : "application/openmetrics-text", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }
}
