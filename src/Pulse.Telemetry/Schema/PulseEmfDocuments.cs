using Pulse.Telemetry.Formats.Emf;

namespace Pulse.Telemetry.Schema;

/// <summary>
/// Pulse's EMF schema: the documents made from the request measurement. Each directive lists the metrics that
/// <see cref="EmfMetrics.Emitted"/> declares for its dimension set and that the document carries, in that
/// order, so a document can never publish a metric at a dimension set that dashboards and alarms do not know
/// about. Latency is recorded in seconds and published in milliseconds. Not thread-safe: one instance per
/// writing thread.
/// </summary>
internal sealed class PulseEmfDocuments
{
    private static readonly string[] ServiceSet = [.. EmfMetrics.ServiceDimensions];
    private static readonly string[] EndpointSet = [.. EmfMetrics.EndpointDimensions];

    private readonly EmfDocumentWriter _writer;
    private readonly string _service;
    private readonly List<(string Name, string Unit)> _present = new(8);

    /// <param name="namespace">CloudWatch namespace.</param>
    /// <param name="service">The <c>Service</c> dimension value.</param>
    /// <param name="properties">Plain properties every document carries (the ECS task's identity).</param>
    public PulseEmfDocuments(string @namespace, string service, IReadOnlyList<KeyValuePair<string, string>> properties)
    {
        _writer = new EmfDocumentWriter(@namespace, properties);
        _service = service;
    }

    /// <summary>One request, with both dimension sets in one document (two directives over the same members).</summary>
    public string WriteRequest(in RequestSample request)
    {
        var endpoint = DimensionValue(request.Endpoint);
        var error = request.StatusCode >= 400 ? 1 : 0;
        var serverError = request.StatusCode >= 500 ? 1 : 0;
        var latency = EmfValue.Number(request.Seconds * ExponentialDistribution.MillisecondsPerSecond);

        _writer.Begin(request.TimestampMs);
        Directive(ServiceSet, EmfMetrics.Names.RequestCount, EmfMetrics.Names.ErrorCount, EmfMetrics.Names.ServerErrorCount, latency.IsValid ? EmfMetrics.Names.RequestLatencyMs : null);
        Directive(EndpointSet, EmfMetrics.Names.EndpointInvocations, latency.IsValid ? EmfMetrics.Names.RequestLatencyMs : null, EmfMetrics.Names.ErrorCount);
        _writer.EndMetadata();

        _writer.String(EmfMetrics.Dimensions.Service, _service);
        _writer.String(EmfMetrics.Dimensions.Endpoint, endpoint);
        _writer.Number(EmfMetrics.Names.RequestCount, 1);
        _writer.Number(EmfMetrics.Names.ErrorCount, error);
        _writer.Number(EmfMetrics.Names.ServerErrorCount, serverError);
        _writer.Number(EmfMetrics.Names.EndpointInvocations, 1);
        _writer.Value(EmfMetrics.Names.RequestLatencyMs, latency);
        if (request.RequestId is { } requestId)
        {
            _writer.String(EmfMetrics.Properties.RequestId, requestId);
        }

        if (request.TraceId is { } traceId)
        {
            _writer.String(EmfMetrics.Properties.TraceId, traceId);
        }

        _writer.String(EmfMetrics.Properties.Method, request.Method);
        _writer.Number(EmfMetrics.Properties.StatusCode, request.StatusCode);
        return _writer.End();
    }

    /// <summary>
    /// The service-wide document of an interval. <paramref name="activeRequests"/> and the counts are left out
    /// when null (continuation documents that carry only a further part of the latency distribution).
    /// </summary>
    public string WriteService(long timestampMs, RequestTotals? totals, long? activeRequests, EmfValue latency)
    {
        _writer.Begin(timestampMs);
        Directive(
            ServiceSet,
            totals is null ? null : EmfMetrics.Names.RequestCount,
            totals is null ? null : EmfMetrics.Names.ErrorCount,
            totals is null ? null : EmfMetrics.Names.ServerErrorCount,
            activeRequests is null ? null : EmfMetrics.Names.ActiveRequests,
            latency.IsValid ? EmfMetrics.Names.RequestLatencyMs : null);
        _writer.EndMetadata();

        _writer.String(EmfMetrics.Dimensions.Service, _service);
        if (totals is { } t)
        {
            _writer.Number(EmfMetrics.Names.RequestCount, t.Requests);
            _writer.Number(EmfMetrics.Names.ErrorCount, t.Errors);
            _writer.Number(EmfMetrics.Names.ServerErrorCount, t.ServerErrors);
        }

        if (activeRequests is { } active)
        {
            _writer.Number(EmfMetrics.Names.ActiveRequests, active);
        }

        _writer.Value(EmfMetrics.Names.RequestLatencyMs, latency);
        return _writer.End();
    }

    /// <summary>One endpoint's document of an interval; counts left out in continuation documents.</summary>
    public string WriteEndpoint(long timestampMs, string endpoint, RequestTotals? totals, EmfValue latency)
    {
        _writer.Begin(timestampMs);
        Directive(
            EndpointSet,
            totals is null ? null : EmfMetrics.Names.EndpointInvocations,
            latency.IsValid ? EmfMetrics.Names.RequestLatencyMs : null,
            totals is null ? null : EmfMetrics.Names.ErrorCount);
        _writer.EndMetadata();

        _writer.String(EmfMetrics.Dimensions.Service, _service);
        _writer.String(EmfMetrics.Dimensions.Endpoint, DimensionValue(endpoint));
        if (totals is { } t)
        {
            _writer.Number(EmfMetrics.Names.EndpointInvocations, t.Requests);
            _writer.Number(EmfMetrics.Names.ErrorCount, t.Errors);
        }

        _writer.Value(EmfMetrics.Names.RequestLatencyMs, latency);
        return _writer.End();
    }

    /// <summary>
    /// Writes the documents of one aggregated interval through <paramref name="emit"/>: one per endpoint that
    /// had requests and one for the service (always, traffic or not, so that alarms on the counts see a 0 rather
    /// than missing data), each followed by continuation documents when its latency needs more than one
    /// Values/Counts object. Errors are status codes of 400 and above, server errors 500 and above.
    /// </summary>
    public void WriteInterval(
        long intervalStartMs, IEnumerable<RouteStatusHistogram> histograms, long? activeRequests, EmfLatencyFormat format, Action<string> emit)
    {
        ArgumentNullException.ThrowIfNull(histograms);
        ArgumentNullException.ThrowIfNull(emit);
        var service = new ExponentialDistribution();
        long requests = 0, errors = 0, serverErrors = 0;
        foreach (var endpoint in histograms.GroupBy(h => h.Route ?? PulseMetrics.UnmatchedEndpoint, StringComparer.Ordinal))
        {
            var latency = new ExponentialDistribution();
            long endpointErrors = 0, endpointServerErrors = 0;
            foreach (var histogram in endpoint)
            {
                latency.Merge(histogram.Distribution);
                endpointErrors += histogram.StatusCode >= 400 ? histogram.Distribution.Count : 0;
                endpointServerErrors += histogram.StatusCode >= 500 ? histogram.Distribution.Count : 0;
            }

            var totals = new RequestTotals(latency.Count, endpointErrors, endpointServerErrors);
            var parts = Latency(latency, format);
            emit(WriteEndpoint(intervalStartMs, endpoint.Key, totals, parts.Count > 0 ? parts[0] : EmfValue.None));
            for (var i = 1; i < parts.Count; i++)
            {
                emit(WriteEndpoint(intervalStartMs, endpoint.Key, totals: null, parts[i]));
            }

            service.Merge(latency);
            requests += totals.Requests;
            errors += totals.Errors;
            serverErrors += totals.ServerErrors;
        }

        var serviceParts = Latency(service, format);
        emit(WriteService(
            intervalStartMs, new RequestTotals(requests, errors, serverErrors), activeRequests, serviceParts.Count > 0 ? serviceParts[0] : EmfValue.None));
        for (var i = 1; i < serviceParts.Count; i++)
        {
            emit(WriteService(intervalStartMs, totals: null, activeRequests: null, serviceParts[i]));
        }
    }

    /// <summary>Route templates become dimension values: never blank, never longer than CloudWatch accepts.</summary>
    public static string DimensionValue(string? value) =>
        string.IsNullOrWhiteSpace(value) ? "/" : EmfDocumentWriter.Truncate(value);

    private static List<EmfValue> Latency(ExponentialDistribution distribution, EmfLatencyFormat format)
    {
        if (distribution.Count == 0)
        {
            return [];
        }

        const double ms = ExponentialDistribution.MillisecondsPerSecond;
        return format switch
        {
            EmfLatencyFormat.Values => [EmfValue.Values(distribution.ToPlainValues(ms))],
            EmfLatencyFormat.StatisticSet => [EmfValue.StatisticSet(distribution, ms)],
            _ => [.. distribution.ToChunks(ms).Select(EmfValue.Distribution)],
        };
    }

    private void Directive(string[] dimensions, params ReadOnlySpan<string?> metrics)
    {
        _present.Clear();
        foreach (var definition in EmfMetrics.Emitted)
        {
            if (metrics.Contains(definition.Name) && definition.Dimensions.SequenceEqual(dimensions))
            {
                _present.Add((definition.Name, definition.Unit));
            }
        }

        _writer.Directive(dimensions, _present);
    }
}

/// <summary>Requests, errors (status &gt;= 400) and server errors (status &gt;= 500) of an interval.</summary>
internal readonly record struct RequestTotals(long Requests, long Errors, long ServerErrors);

/// <summary>One finished request as the hosting meter measured it.</summary>
internal readonly record struct RequestSample(
    long TimestampMs, double Seconds, string Endpoint, int StatusCode, string Method, string? RequestId, string? TraceId);

/// <summary>The durations (in seconds) of one (route, status code) combination in one interval.</summary>
internal sealed record RouteStatusHistogram(string? Route, int StatusCode, ExponentialDistribution Distribution);
