using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Pulse.Testing;

namespace Pulse.Stack.Tests;

/// <summary>
/// The local stack on loopback, as scripts/local-stack.sh runs it: the service (in process, on a real Kestrel
/// port), Debian's node exporter and Prometheus with the repository's own prometheus.yml and rules, and a
/// stream of traffic that includes client (4xx) and server (5xx) errors.
/// </summary>
/// <remarks>
/// The Prometheus configuration is deploy/prometheus/prometheus.yml with three kinds of edits only: the target
/// addresses point at the loopback ports; it is fitted to Debian's Prometheus 2.42 as scripts/local-stack.sh fits
/// it (exemplar storage on, native histograms off, and without <c>scrape_classic_histograms</c>, which 2.42
/// predates); and, for this test only, Prometheus scrapes and evaluates rules every <see cref="TestInterval"/>
/// instead of every 15 s so that rates have samples within seconds. Queries use $__rate_interval = 1m, what
/// Grafana substitutes at the real 15 s interval.
/// </remarks>
public sealed class LoopbackStackFixture : IAsyncLifetime
{
    public static readonly string[] Tools = ["prometheus", "prometheus-node-exporter"];

    public const string TestInterval = "2s";

    private readonly CancellationTokenSource _stopTraffic = new();
    private readonly ConcurrentDictionary<string, bool> _sampledTraces = new(StringComparer.Ordinal);
    private WebApplicationFactory<Program>? _service;
    private NodeExporter? _nodeExporter;
    private PrometheusServer? _prometheus;
    private string? _configDirectory;
    private Task? _traffic;

    public int ServicePort { get; private set; }

    public int NodeExporterPort => _nodeExporter?.Port ?? throw NotStarted();

    public HttpClient PrometheusApi { get; private set; } = new();

    /// <summary>Trace ids of the requests made so far, all sent with the sampled flag.</summary>
    public IReadOnlyCollection<string> SampledTraceIds => [.. _sampledTraces.Keys];

    public async Task InitializeAsync()
    {
        if (ExternalTools.SkipReason(Tools) is not null)
        {
            return;
        }

        ServicePort = FreePort.Next();
        _service = new WebApplicationFactory<Program>();
        _service.UseKestrel(ServicePort);
        _service.StartServer();
        _nodeExporter = await NodeExporter.StartAsync();

        _configDirectory = Directory.CreateTempSubdirectory("pulse-stack-prometheus-").FullName;
        var configFile = WriteLoopbackConfiguration(_configDirectory, ServicePort, _nodeExporter.Port, TestInterval);
        _prometheus = await PrometheusServer.StartAsync(configFile, arguments: ["--enable-feature=exemplar-storage"]);
        PrometheusApi = new HttpClient { BaseAddress = _prometheus.Address, Timeout = TimeSpan.FromSeconds(30) };

        _traffic = DriveTrafficAsync(new Uri($"http://127.0.0.1:{ServicePort}/"), _sampledTraces, _stopTraffic.Token);
    }

    public async Task DisposeAsync()
    {
        await _stopTraffic.CancelAsync();
        if (_traffic is not null)
        {
            try
            {
                await _traffic;
            }
            catch (OperationCanceledException)
            {
                // Stopped on purpose.
            }
        }

        PrometheusApi.Dispose();
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (_nodeExporter is not null)
        {
            await _nodeExporter.DisposeAsync();
        }

        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        if (_configDirectory is not null)
        {
            Directory.Delete(_configDirectory, recursive: true);
        }

        _stopTraffic.Dispose();
    }

    /// <summary>
    /// Copies deploy/prometheus/prometheus.yml and its rules into <paramref name="directory"/>, pointing the
    /// targets at loopback ports, setting the scrape and evaluation intervals and leaving out
    /// <c>scrape_classic_histograms</c>, which Debian's Prometheus 2.42 predates. Nothing else changes.
    /// </summary>
    public static string WriteLoopbackConfiguration(string directory, int servicePort, int nodeExporterPort, string interval)
    {
        var rules = Directory.CreateDirectory(Path.Combine(directory, "rules")).FullName;
        foreach (var file in PrometheusRulesTests.RuleFiles())
        {
            File.Copy(file, Path.Combine(rules, Path.GetFileName(file)));
        }

        var text = Repository.Read("deploy/prometheus/prometheus.yml");
        text = ReplaceOnce(text, "\"pulse-api:8080\"", $"\"127.0.0.1:{servicePort}\"");
        text = ReplaceOnce(text, "\"node-exporter:9100\"", $"\"127.0.0.1:{nodeExporterPort}\"");
        text = ReplaceOnce(text, "scrape_interval: 15s", $"scrape_interval: {interval}");
        text = ReplaceOnce(text, "scrape_timeout: 10s", $"scrape_timeout: {interval}");
        text = ReplaceOnce(text, "evaluation_interval: 15s", $"evaluation_interval: {interval}");
        text = FitToDebianPrometheus(text);
        var configFile = Path.Combine(directory, "prometheus.yml");
        File.WriteAllText(configFile, text);
        return configFile;
    }

    /// <summary>
    /// prometheus.yml as scripts/local-stack.sh gives it to a Prometheus older than 2.45, Debian 12's 2.42 among
    /// them: without <c>scrape_classic_histograms</c>, which that version does not know and rejects.
    /// </summary>
    public static string FitToDebianPrometheus(string text) => ReplaceOnce(text, "    scrape_classic_histograms: true\n", string.Empty);

    private static string ReplaceOnce(string text, string oldValue, string newValue)
    {
        var first = text.IndexOf(oldValue, StringComparison.Ordinal);
        if (first < 0 || text.IndexOf(oldValue, first + 1, StringComparison.Ordinal) >= 0)
        {
            throw new InvalidOperationException($"prometheus.yml must contain {oldValue} exactly once.");
        }

        return string.Concat(text.AsSpan(0, first), newValue, text.AsSpan(first + oldValue.Length));
    }

    /// <summary>
    /// Rounds of requests every route answers differently: 200s, a 400, a 500, a 404 and a 405 with a body. The
    /// requests belong to sampled traces of their own (a <c>traceparent</c> with the sampled flag), so that the
    /// latency buckets carry exemplars.
    /// </summary>
    private static async Task DriveTrafficAsync(Uri service, ConcurrentDictionary<string, bool> sampledTraces, CancellationToken stop)
    {
        using var client = new HttpClient { BaseAddress = service, Timeout = TimeSpan.FromSeconds(10) };
        string[] paths = ["/", "/Welcome?name=Ada", "/Welcome", "/error", "/no/such/page", "/health/live", "/health"];
        while (!stop.IsCancellationRequested)
        {
            foreach (var path in paths)
            {
                using var request = Traced(HttpMethod.Get, path, sampledTraces);
                using var response = await client.SendAsync(request, stop);
            }

            using var post = Traced(HttpMethod.Post, "/Welcome", sampledTraces);
            post.Content = new StringContent("""{"name":"Ada"}""", Encoding.UTF8, "application/json");
            using var posted = await client.SendAsync(post, stop);

            // Pacing, not waiting for a condition: a steady few dozen requests per second.
            await Task.Delay(TimeSpan.FromMilliseconds(100), stop);
        }
    }

    /// <summary>
    /// A request of a new sampled trace. Every request carries one, so that every exemplar's trace is known: a
    /// TracerProvider of another test in this process samples, by its own rule, the requests that carry none.
    /// </summary>
    private static HttpRequestMessage Traced(HttpMethod method, string path, ConcurrentDictionary<string, bool> sampledTraces)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        sampledTraces[traceId] = true;
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        return request;
    }

    /// <summary>Fails when the traffic generator has stopped with an error, so a test does not wait for data in vain.</summary>
    public void EnsureTrafficFlows()
    {
        if (_traffic is { IsFaulted: true })
        {
            throw new InvalidOperationException("The traffic generator failed.", _traffic.Exception);
        }
    }

    /// <summary>Runs an instant query and returns Prometheus's whole answer (status, data or error).</summary>
    public async Task<QueryAnswer> QueryAsync(string promql)
    {
        using var response = await PrometheusApi.GetAsync(new Uri($"api/v1/query?query={Uri.EscapeDataString(promql)}", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (body.GetProperty("status").GetString() != "success")
        {
            return new QueryAnswer(promql, body.GetProperty("error").GetString(), []);
        }

        var values = body.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(series => double.Parse(series.GetProperty("value")[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture))
            .ToList();
        return new QueryAnswer(promql, null, values);
    }

    /// <summary>GETs a Prometheus API document and returns its <c>data</c>.</summary>
    public async Task<JsonElement> ApiAsync(string relativeUrl)
    {
        var body = await PrometheusApi.GetFromJsonAsync<JsonElement>(new Uri(relativeUrl, UriKind.Relative));
        Assert.Equal("success", body.GetProperty("status").GetString());
        return body.GetProperty("data").Clone();
    }

    private static InvalidOperationException NotStarted() => new("The live stack has not started.");
}

/// <summary>An instant query's outcome: a parse or evaluation error, or the sample values it returned.</summary>
public sealed record QueryAnswer(string Query, string? Error, IReadOnlyList<double> Values)
{
    public bool HasFiniteValue => Values.Any(double.IsFinite);
}
