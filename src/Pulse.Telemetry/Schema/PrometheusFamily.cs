using OpenTelemetry.Metrics;
using Pulse.Telemetry.Formats.Prometheus;

namespace Pulse.Telemetry.Schema;

/// <summary>How one OpenTelemetry metric stream is written as a Prometheus metric family.</summary>
internal sealed class PrometheusFamily
{
    private static readonly Dictionary<string, string> LabelNames = new(StringComparer.Ordinal)
    {
        [HttpTags.Method] = PulseMetrics.Labels.Method,
        [HttpTags.Route] = PulseMetrics.Labels.Endpoint,
        [HttpTags.StatusCode] = PulseMetrics.Labels.StatusCode,
    };

    private static readonly HashSet<string> HttpFamilies = new(StringComparer.Ordinal)
    {
        PulseMetrics.Http.RequestDuration,
        PulseMetrics.Http.RequestSize,
        PulseMetrics.Http.ResponseSize,
    };

    /// <summary>
    /// Runtime instruments published as ObservableCounter although their value goes down as well as up
    /// (the semantic conventions define both as UpDownCounter). As counters, <c>rate()</c> would read
    /// every decrease as a reset, so they are exported as gauges. Names as renamed by <see cref="RuntimeViews"/>.
    /// </summary>
    private static readonly HashSet<string> NonMonotonicCounters = new(StringComparer.Ordinal)
    {
        "dotnet.thread_pool.threads",
        "dotnet.thread_pool.queue.length",
    };

    private PrometheusFamily(string name, FamilyKind kind, string help, string unit, bool isHttp)
    {
        Name = name;
        Kind = kind;
        Help = help;
        Unit = unit;
        IsHttp = isHttp;
    }

    /// <summary>
    /// <c>http_requests_total</c>: not a stream of its own but the counts of the request duration stream
    /// (see <see cref="FamilyKind.HttpRequests"/>).
    /// </summary>
    public static PrometheusFamily HttpRequestsTotal { get; } = new(
        PulseMetrics.Http.RequestsTotal[..^"_total".Length],
        FamilyKind.Counter,
        "Total HTTP requests by method, endpoint and status code.",
        string.Empty,
        isHttp: true);

    /// <summary>An HTTP histogram family of the request aggregation.</summary>
    public static PrometheusFamily Histogram(string name, string help, string unit) => new(name, FamilyKind.Histogram, help, unit, isHttp: true);

    /// <summary>Family name without the <c>_total</c> a counter's samples carry.</summary>
    public string Name { get; }

    public FamilyKind Kind { get; }

    public string Help { get; }

    /// <summary>Unit word for the OpenMetrics UNIT line; empty when the name does not end with it.</summary>
    public string Unit { get; }

    /// <summary>
    /// An HTTP family of the schema: its labels are written as method, endpoint, status code, the
    /// method is bounded and a request that matched no route gets <see cref="PulseMetrics.UnmatchedEndpoint"/>.
    /// </summary>
    public bool IsHttp { get; }

    /// <summary>The exposition type of the family (histogram for the derived HTTP request families' first).</summary>
    public FamilyType Type => Kind switch
    {
        FamilyKind.Counter => FamilyType.Counter,
        FamilyKind.Histogram or FamilyKind.HttpRequests => FamilyType.Histogram,
        _ => FamilyType.Gauge,
    };

    public static PrometheusFamily Describe(Metric metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        var kind = metric.MetricType switch
        {
            MetricType.LongSum or MetricType.DoubleSum when NonMonotonicCounters.Contains(metric.Name) => FamilyKind.Gauge,
            MetricType.LongSum or MetricType.DoubleSum => FamilyKind.Counter,
            MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic => FamilyKind.Gauge,
            MetricType.LongGauge or MetricType.DoubleGauge => FamilyKind.Gauge,

            // The one aggregation of the request measurement (see HttpViews) becomes two families.
            MetricType.Histogram when metric.Name == PulseMetrics.Http.RequestDuration => FamilyKind.HttpRequests,
            MetricType.Histogram => FamilyKind.Histogram,

            // The text formats cannot carry exponential histograms.
            _ => FamilyKind.Skip,
        };

        var isCounter = kind == FamilyKind.Counter;
        var unit = metric.Unit;
        var name = PrometheusNaming.MetricName(metric.Name, unit, isCounter);
        var baseName = isCounter ? name[..^"_total".Length] : name;
        var unitWord = PrometheusNaming.UnitSuffix(unit);
        if (!baseName.EndsWith("_" + unitWord, StringComparison.Ordinal))
        {
            unitWord = string.Empty;
        }

        return new PrometheusFamily(baseName, kind, metric.Description ?? string.Empty, unitWord, HttpFamilies.Contains(name));
    }

    /// <summary>The label name of an attribute: Pulse's names for the HTTP tags, the sanitized key otherwise.</summary>
    public static string LabelName(string key) =>
        LabelNames.TryGetValue(key, out var name) ? name : PrometheusNaming.LabelName(key);
}

internal enum FamilyKind
{
    Skip,
    Counter,
    Gauge,
    Histogram,

    /// <summary>
    /// The request duration aggregated by method, endpoint and status code: written as
    /// <c>http_request_duration_seconds</c> (status codes merged) and <c>http_requests_total</c> (counts).
    /// </summary>
    HttpRequests,
}
