using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Pulse.Testing;

namespace Pulse.Api.Tests;

/// <summary>What the service reports on /metrics, checked against the requests the test makes.</summary>
public sealed class MetricsEndpointTests : IClassFixture<PulseApiFactory>
{
    private readonly HttpClient _client;

    public MetricsEndpointTests(PulseApiFactory factory) => _client = factory.CreateClient();

    [Fact]
    public async Task RequestCountersMoveByExactlyTheRequestsMade()
    {
        var before = await MetricsScraper.ScrapeAsync(_client);

        for (var i = 0; i < 7; i++)
        {
            (await _client.GetAsync("/")).Dispose();
        }

        for (var i = 0; i < 3; i++)
        {
            (await _client.GetAsync("/Welcome?name=Ada")).Dispose();
        }

        (await _client.GetAsync("/Welcome")).Dispose();
        (await _client.GetAsync("/error")).Dispose();
        (await _client.GetAsync("/error")).Dispose();

        (string Method, string Endpoint, int Status, int Made)[] made = [("GET", "/", 200, 7), ("GET", "/Welcome", 200, 3), ("GET", "/Welcome", 400, 1), ("GET", "/error", 500, 2)];
        var after = await MetricsScraper.ScrapeUntilAsync(
            _client, samples => made.All(m => Delta(samples, m.Method, m.Endpoint, m.Status) >= m.Made), "every request made to be counted");
        Assert.All(made, m => Assert.Equal(m.Made, Delta(after, m.Method, m.Endpoint, m.Status)));

        double Delta(IReadOnlyList<Sample> samples, string method, string endpoint, int status) =>
            MetricsScraper.Requests(samples, method, endpoint, status) - MetricsScraper.Requests(before, method, endpoint, status);
    }

    [Fact]
    public async Task DurationHistogramCountsEveryRequestInCumulativeBuckets()
    {
        var before = await MetricsScraper.ScrapeAsync(_client);
        for (var i = 0; i < 5; i++)
        {
            (await _client.GetAsync("/Welcome?name=Grace")).Dispose();
        }

        (string, string)[] welcome = [("method", "GET"), ("endpoint", "/Welcome")];
        var after = await MetricsScraper.ScrapeUntilAsync(
            _client,
            samples => PrometheusText.Sum(samples, "http_request_duration_seconds_count", welcome) - PrometheusText.Sum(before, "http_request_duration_seconds_count", welcome) >= 5,
            "the five requests to be measured");
        Assert.Equal(5, PrometheusText.Sum(after, "http_request_duration_seconds_count", welcome) - PrometheusText.Sum(before, "http_request_duration_seconds_count", welcome));
        Assert.True(PrometheusText.Sum(after, "http_request_duration_seconds_sum", welcome) > PrometheusText.Sum(before, "http_request_duration_seconds_sum", welcome));

        var buckets = after
            .Where(s => s.Name == "http_request_duration_seconds_bucket" && s.Labels["endpoint"] == "/Welcome" && s.Labels["method"] == "GET")
            .ToList();
        Assert.Equal(12, buckets.Count);
        Assert.Equal("+Inf", buckets[^1].Labels["le"]);
        Assert.Equal(PrometheusText.Sum(after, "http_request_duration_seconds_count", welcome), buckets[^1].Value);
        Assert.True(buckets.Zip(buckets.Skip(1)).All(pair => pair.First.Value <= pair.Second.Value), "buckets are cumulative");
    }

    [Fact]
    public async Task BodySizesAreMeasuredInBytes()
    {
        var before = await MetricsScraper.ScrapeAsync(_client);
        using (var response = await _client.GetAsync("/"))
        {
            Assert.Equal(27, (await response.Content.ReadAsByteArrayAsync()).Length);
        }

        (string, string)[] root = [("method", "GET"), ("endpoint", "/")];
        var after = await MetricsScraper.ScrapeUntilAsync(
            _client,
            samples => PrometheusText.Sum(samples, "http_request_size_bytes_count", root) > PrometheusText.Sum(before, "http_request_size_bytes_count", root),
            "the request's sizes to be recorded");
        Assert.Equal(27, PrometheusText.Sum(after, "http_response_size_bytes_sum", root) - PrometheusText.Sum(before, "http_response_size_bytes_sum", root));
        Assert.Equal(1, PrometheusText.Sum(after, "http_request_size_bytes_count", root) - PrometheusText.Sum(before, "http_request_size_bytes_count", root));
    }

    [Fact]
    public async Task RequestBodySizeIsTheBytesSent()
    {
        var before = await MetricsScraper.ScrapeAsync(_client);
        using var content = new ByteArrayContent(new byte[1234]);
        (await _client.PostAsync("/", content)).Dispose();

        (string, string)[] posted = [("method", "POST"), ("endpoint", "unmatched")];
        var after = await MetricsScraper.ScrapeUntilAsync(
            _client,
            samples => PrometheusText.Sum(samples, "http_request_size_bytes_count", posted) > PrometheusText.Sum(before, "http_request_size_bytes_count", posted),
            "the request's sizes to be recorded");
        Assert.Equal(1234, PrometheusText.Sum(after, "http_request_size_bytes_sum", posted) - PrometheusText.Sum(before, "http_request_size_bytes_sum", posted));
    }

    [Fact]
    public async Task ScrapesThemselvesAreNotMeasured()
    {
        await MetricsScraper.ScrapeAsync(_client);
        (await _client.GetAsync("/")).Dispose();
        var samples = await MetricsScraper.ScrapeUntilAsync(_client, s => MetricsScraper.Requests(s, "GET", "/", 200) > 0, "a request to / to be counted");

        Assert.DoesNotContain(samples, s => s.Labels.TryGetValue("endpoint", out var e) && e.Contains("metrics", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExpositionCarriesProcessAndRuntimeFamilies()
    {
        var samples = await MetricsScraper.ScrapeAsync(_client);
        var names = samples.Select(s => s.Name).ToHashSet();

        foreach (var expected in new[]
        {
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
            "process_start_time_seconds", "process_uptime_seconds", "custom_process_open_fds", "custom_process_threads",
            "process_max_fds", "http_requests_in_progress", "dotnet_gc_collections_total", "dotnet_gc_pause_time_seconds_total",
            "dotnet_gc_heap_total_allocated_bytes_total", "dotnet_gc_last_collection_heap_size_bytes", "dotnet_thread_pool_threads",
            "dotnet_thread_pool_queue_length", "dotnet_monitor_lock_contentions_total",
        })
        {
            Assert.Contains(expected, names);
        }

        Assert.True(PrometheusText.Sum(samples, "process_resident_memory_bytes") > 1_000_000);
        Assert.True(PrometheusText.Sum(samples, "custom_process_open_fds") >= 3);
        Assert.True(PrometheusText.Sum(samples, "process_max_fds") >= PrometheusText.Sum(samples, "custom_process_open_fds"));
        Assert.Equal(3, samples.Count(s => s.Name == "dotnet_gc_collections_total"));
    }

    [Fact]
    public async Task TextFormatIsTheDefault()
    {
        using var response = await _client.GetAsync("/metrics");

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.DoesNotContain("# EOF", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenMetricsIsServedWhenAskedFor()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.ParseAdd("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        using var response = await _client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal("application/openmetrics-text; version=1.0.0; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.EndsWith("# EOF\n", body, StringComparison.Ordinal);
        Assert.Contains("# TYPE process_cpu_seconds counter", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GzipIsUsedWhenAccepted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var response = await _client.SendAsync(request);

        Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
        await using var gzip = new GZipStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        Assert.Contains("process_cpu_seconds_total", await reader.ReadToEndAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlyGetAndHeadAreAllowed()
    {
        using var response = await _client.PostAsync("/metrics", null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
