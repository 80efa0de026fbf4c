using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pulse.Telemetry.Emf;

/// <summary>
/// Writes EMF documents (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
/// one JSON object per line, <c>_aws</c> metadata first, then the dimension values, the metric values and
/// plain properties as root members. Each directive lists the metrics that <see cref="EmfMetrics.Emitted"/>
/// declares for its dimension set and that the document carries, so a document can never publish a metric at
/// a dimension set the CDK app does not know about. Not thread-safe: one instance per writing thread.
/// </summary>
internal sealed class EmfDocumentWriter
{
    // The default encoder escapes every non-ASCII character (and quotes, backslashes, control characters) as
    // \uXXXX: valid JSON that stays ASCII, so the line survives any console encoding.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.Default, Indented = false, SkipValidation = false };

    private static readonly string[] ServiceSet = [.. EmfMetrics.ServiceDimensions];
    private static readonly string[] EndpointSet = [.. EmfMetrics.EndpointDimensions];

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly string _namespace;
    private readonly string _service;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _properties;
    private readonly List<string> _present = new(8);

    /// <param name="namespace">CloudWatch namespace.</param>
    /// <param name="service">The <c>Service</c> dimension value.</param>
    /// <param name="properties">Plain properties every document carries (the ECS task's identity).</param>
    public EmfDocumentWriter(string @namespace, string service, IReadOnlyList<KeyValuePair<string, string>> properties)
    {
        _namespace = @namespace;
        _service = service;
        _properties = properties;
    }

    /// <summary>
    /// The largest document CloudWatch Logs accepts in every version of the spec and in the awslabs libraries
    /// (EMF rules §1: 256 KB; the current limit of 1 MB is newer).
    /// </summary>
    public const int MaxDocumentBytes = 256 * 1024;

    /// <summary>A dimension value is a string of at most 1024 characters (EMF rules §4).</summary>
    public const int MaxDimensionValueLength = 1024;

    /// <summary>One request, with both dimension sets in one document (two directives over the same members).</summary>
    public string WriteRequest(in RequestSample request)
    {
        var endpoint = DimensionValue(request.Endpoint);
        var error = request.StatusCode >= 400 ? 1 : 0;
        var serverError = request.StatusCode >= 500 ? 1 : 0;
        var latency = EmfLatency.Number(LatencyDistribution.ToMilliseconds(request.Seconds));

        using var json = Begin(request.TimestampMs);
        Directive(json, ServiceSet, EmfMetrics.Names.RequestCount, EmfMetrics.Names.ErrorCount, EmfMetrics.Names.ServerErrorCount, latency.IsValid ? EmfMetrics.Names.RequestLatencyMs : null);
        Directive(json, EndpointSet, EmfMetrics.Names.EndpointInvocations, latency.IsValid ? EmfMetrics.Names.RequestLatencyMs : null, EmfMetrics.Names.ErrorCount);
        EndMetadata(json);

        json.WriteString(EmfMetrics.Dimensions.Service, _service);
        json.WriteString(EmfMetrics.Dimensions.Endpoint, endpoint);
        json.WriteNumber(EmfMetrics.Names.RequestCount, 1);
        json.WriteNumber(EmfMetrics.Names.ErrorCount, error);
        json.WriteNumber(EmfMetrics.Names.ServerErrorCount, serverError);
        json.WriteNumber(EmfMetrics.Names.EndpointInvocations, 1);
        latency.Write(json, EmfMetrics.Names.RequestLatencyMs);
        if (request.RequestId is { } requestId)
        {
            json.WriteString(EmfMetrics.Properties.RequestId, requestId);
        }

        if (request.TraceId is { } traceId)
        {
            json.WriteString(EmfMetrics.Properties.TraceId, traceId);
        }

        json.WriteString(EmfMetrics.Properties.Method, request.Method);
        json.WriteNumber(EmfMetrics.Properties.StatusCode, request.StatusCode);
        return End(json);
    }

    /// <summary>
    /// The service-wide document of an interval. <paramref name="activeRequests"/> and the counts are left out
    /// when null (continuation documents that carry only a further part of the latency distribution).
    /// </summary>
    public string WriteService(long timestampMs, RequestTotals? totals, long? activeRequests, EmfLatency latency)
    {
        using var json = Begin(timestampMs);
        Directive(
            json,
            ServiceSet,
            totals is null ? null : EmfMetrics.Names.RequestCount,
            totals is null ? null : EmfMetrics.Names.ErrorCount,
            totals is null ? null : EmfMetrics.Names.ServerErrorCount,
            activeRequests is null ? null : EmfMetrics.Names.ActiveRequests,
            latency.IsValid ? EmfMetrics.Names.RequestLatencyMs : null);
        EndMetadata(json);

        json.WriteString(EmfMetrics.Dimensions.Service, _service);
        if (totals is { } t)
        {
            json.WriteNumber(EmfMetrics.Names.RequestCount, t.Requests);
            json.WriteNumber(EmfMetrics.Names.ErrorCount, t.Errors);
            json.WriteNumber(EmfMetrics.Names.ServerErrorCount, t.ServerErrors);
        }

        if (activeRequests is { } active)
        {
            json.WriteNumber(EmfMetrics.Names.ActiveRequests, active);
        }

        latency.Write(json, EmfMetrics.Names.RequestLatencyMs);
        return End(json);
    }

    /// <summary>One endpoint's document of an interval; counts left out in continuation documents.</summary>
    public string WriteEndpoint(long timestampMs, string endpoint, RequestTotals? totals, EmfLatency latency)
    {
        using var json = Begin(timestampMs);
        Directive(
            json,
            EndpointSet,
            totals is null ? null : EmfMetrics.Names.EndpointInvocations,
            latency.IsValid ? EmfMetrics.Names.RequestLatencyMs : null,
            totals is null ? null : EmfMetrics.Names.ErrorCount);
        EndMetadata(json);

        json.WriteString(EmfMetrics.Dimensions.Service, _service);
        json.WriteString(EmfMetrics.Dimensions.Endpoint, DimensionValue(endpoint));
        if (totals is { } t)
        {
            json.WriteNumber(EmfMetrics.Names.EndpointInvocations, t.Requests);
            json.WriteNumber(EmfMetrics.Names.ErrorCount, t.Errors);
        }

        latency.Write(json, EmfMetrics.Names.RequestLatencyMs);
        return End(json);
    }

    /// <summary>Route templates become dimension values: never blank, never longer than CloudWatch accepts.</summary>
    public static string DimensionValue(string? value) =>
        string.IsNullOrWhiteSpace(value) ? "/"
        : value.Length > MaxDimensionValueLength ? value[..MaxDimensionValueLength]
        : value;

    private Utf8JsonWriter Begin(long timestampMs)
    {
        _buffer.ResetWrittenCount();
        var json = new Utf8JsonWriter(_buffer, WriterOptions);
        json.WriteStartObject();
        json.WriteStartObject("_aws");
        json.WriteNumber("Timestamp", timestampMs);
        json.WriteStartArray("CloudWatchMetrics");
        return json;
    }

    private void Directive(Utf8JsonWriter json, string[] dimensions, params ReadOnlySpan<string?> metrics)
    {
        _present.Clear();
        foreach (var metric in metrics)
        {
            if (metric is not null)
            {
                _present.Add(metric);
            }
        }

        if (_present.Count == 0)
        {
            return;
        }

        json.WriteStartObject();
        json.WriteString("Namespace", _namespace);
        json.WriteStartArray("Dimensions");
        json.WriteStartArray();
        foreach (var dimension in dimensions)
        {
            json.WriteStringValue(dimension);
        }

        json.WriteEndArray();
        json.WriteEndArray();
        json.WriteStartArray("Metrics");
        foreach (var definition in EmfMetrics.Emitted)
        {
            if (_present.Contains(definition.Name) && definition.Dimensions.SequenceEqual(dimensions))
            {
                json.WriteStartObject();
                json.WriteString("Name", definition.Name);
                json.WriteString("Unit", definition.Unit);
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void EndMetadata(Utf8JsonWriter json)
    {
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private string End(Utf8JsonWriter json)
    {
        foreach (var (name, value) in _properties)
        {
            json.WriteString(name, value);
        }

        json.WriteEndObject();
        json.Flush();

        // ASCII only (see WriterOptions), so one byte is one char; the newline makes it one whole line in one write.
        _buffer.Write("\n"u8);
        return Encoding.ASCII.GetString(_buffer.WrittenSpan);
    }
}

/// <summary>Requests, errors (status &gt;= 400) and server errors (status &gt;= 500) of an interval.</summary>
internal readonly record struct RequestTotals(long Requests, long Errors, long ServerErrors);

/// <summary>One finished request as the hosting meter measured it.</summary>
internal readonly record struct RequestSample(
    long TimestampMs, double Seconds, string Endpoint, int StatusCode, string Method, string? RequestId, string? TraceId);
