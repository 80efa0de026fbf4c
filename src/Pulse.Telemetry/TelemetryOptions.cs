namespace Pulse.Telemetry;

/// <summary>
/// Settings of the <c>Telemetry</c> configuration section (documented in docs/configuration.md), which
/// <c>AddPulseTelemetry()</c> composes the pipeline from. Each part is also the options type of the
/// extension that adds it to a pipeline of one's own.
/// </summary>
public sealed class TelemetryOptions
{
    /// <summary>Configuration section the options bind to.</summary>
    public const string SectionName = "Telemetry";

    /// <summary>When false, no instrument is listened to, no middleware runs and nothing is exported.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>HTTP measurement settings.</summary>
    public HttpTelemetryOptions Http { get; set; } = new();

    /// <summary>Prometheus exposition settings.</summary>
    public PrometheusOptions Prometheus { get; set; } = new();

    /// <summary>OTLP export settings.</summary>
    public OtlpOptions Otlp { get; set; } = new();

    /// <summary>Tracing settings: spans of requests and database commands, exported over OTLP.</summary>
    public TracingOptions Tracing { get; set; } = new();

    /// <summary>CloudWatch Embedded Metric Format settings.</summary>
    public EmfOptions Emf { get; set; } = new();

    /// <summary>Further meters to export, by name. Wildcards as in OpenTelemetry's <c>AddMeter</c>.</summary>
    public IList<string> AdditionalMeters { get; } = [];
}

/// <summary>Settings of <c>Telemetry:Http</c>: what the HTTP metrics measure.</summary>
public sealed class HttpTelemetryOptions
{
    /// <summary>Upper bounds of the duration histogram's buckets in seconds; defaults to <see cref="PulseMetrics.Http.DefaultDurationBuckets"/>.</summary>
    public IList<double> DurationBuckets { get; } = [];

    /// <summary>Upper bounds of the size histograms' buckets in bytes; defaults to <see cref="PulseMetrics.Http.DefaultSizeBuckets"/>.</summary>
    public IList<double> SizeBuckets { get; } = [];

    /// <summary>
    /// Paths that are not measured. An entry matches the request path exactly (ignoring case); an entry
    /// ending in <c>/*</c> matches everything below it. <c>AddPulseTelemetry()</c> defaults it to the
    /// Prometheus path; on its own it is empty, and an endpoint is kept out of the measurements with
    /// ASP.NET Core's <c>DisableHttpMetrics()</c> as well.
    /// </summary>
    public IList<string> ExcludedPaths { get; } = [];

    /// <summary>Whether requests carry their request id and trace id as extra tags (set by a per-request EMF exporter).</summary>
    internal bool TagRequestIdentity { get; set; }

    /// <summary>Whether the request aggregation keeps exemplars (set by a Prometheus exporter that writes them).</summary>
    internal bool RecordExemplars { get; set; }

    /// <summary>Whether the request aggregation keeps the cumulative exponential histogram (set by a Prometheus exporter with native histograms).</summary>
    internal bool KeepExponential { get; set; }

    /// <summary>
    /// Whether the OpenTelemetry SDK aggregates the request duration and body sizes too, for the MeterProvider's
    /// other readers (set by <c>AddPulseTelemetry()</c> when OTLP export is on). Pulse's exporters never need it.
    /// </summary>
    internal bool AggregateInSdk { get; set; }

    internal void CopyTo(HttpTelemetryOptions target)
    {
        CopyAll(DurationBuckets, target.DurationBuckets);
        CopyAll(SizeBuckets, target.SizeBuckets);
        CopyAll(ExcludedPaths, target.ExcludedPaths);
    }

    internal static void CopyAll<T>(IList<T> source, IList<T> target)
    {
        target.Clear();
        foreach (var item in source)
        {
            target.Add(item);
        }
    }
}

/// <summary>Settings of <c>Telemetry:Prometheus</c>: the exposition on <c>/metrics</c>.</summary>
public sealed class PrometheusOptions
{
    /// <summary>Serve the exposition at all (read by <c>AddPulseTelemetry()</c>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Path of the exposition.</summary>
    public string Path { get; set; } = "/metrics";

    /// <summary>
    /// When set, the exposition is served only on this separate management port, which serves nothing else,
    /// so that a public load balancer in front of the service port never reaches it. <c>AddPulseTelemetry()</c>
    /// also makes the server listen on it (on the same interface as the service); on its own, the application
    /// listens on it.
    /// </summary>
    public int? Port { get; set; }

    /// <summary>
    /// Give each bucket of <c>http_request_duration_seconds</c> an exemplar in the OpenMetrics and protobuf
    /// expositions (never in the 0.0.4 text format): the latest request of that bucket measured while its trace was
    /// sampled, with its trace and span id. Requests of unsampled traces, or with tracing off, carry none.
    /// </summary>
    public bool Exemplars { get; set; } = true;

    /// <summary>
    /// Give <c>http_request_duration_seconds</c> native-histogram buckets (schema 5) beside its classic ones in the
    /// protobuf exposition, which a Prometheus with native histograms enabled asks for. Keeping them costs each
    /// request one exponential-bucket update (none when the EMF exporter keeps them anyway).
    /// </summary>
    public bool NativeHistograms { get; set; } = true;

    internal void CopyTo(PrometheusOptions target)
    {
        target.Enabled = Enabled;
        target.Path = Path;
        target.Port = Port;
        target.Exemplars = Exemplars;
        target.NativeHistograms = NativeHistograms;
    }
}

/// <summary>
/// Settings of <c>Telemetry:Tracing</c>. Spans are recorded only when they have somewhere to go:
/// <c>AddPulseTelemetry()</c> traces when this is enabled and an OTLP endpoint for traces is configured.
/// </summary>
public sealed class TracingOptions
{
    /// <summary>Trace when an OTLP endpoint for traces is configured; false records no span whatever is configured.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Fraction of traces started here that are sampled, from 0 to 1 (by trace id, so every service sampling at
    /// the same ratio keeps the same traces). A request that arrives with a W3C <c>traceparent</c> follows its
    /// caller's decision instead (parent-based sampling).
    /// </summary>
    public double SamplingRatio { get; set; } = 1.0;

    internal void CopyTo(TracingOptions target)
    {
        target.Enabled = Enabled;
        target.SamplingRatio = SamplingRatio;
    }
}

/// <summary>Settings of <c>Telemetry:Otlp</c>.</summary>
public sealed class OtlpOptions
{
    /// <summary>
    /// Collector address for metrics and traces, e.g. <c>http://localhost:4318</c>. Metrics are pushed over OTLP only
    /// while this is set; traces also go where OpenTelemetry's standard variables say (<c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>
    /// before this, <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> after it).
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary><c>HttpProtobuf</c> (default) or <c>Grpc</c>.</summary>
    public OtlpProtocol Protocol { get; set; } = OtlpProtocol.HttpProtobuf;

    /// <summary>How often measurements are pushed (spans are sent in batches as they end).</summary>
    public TimeSpan ExportInterval { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>OTLP transport.</summary>
public enum OtlpProtocol
{
    /// <summary>OTLP/HTTP with protobuf bodies (port 4318 by convention).</summary>
    HttpProtobuf,

    /// <summary>OTLP/gRPC (port 4317 by convention).</summary>
    Grpc,
}
