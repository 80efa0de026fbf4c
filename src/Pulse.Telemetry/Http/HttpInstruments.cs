using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Schema;

namespace Pulse.Telemetry.Http;

/// <summary>
/// The HTTP instruments this library adds to ASP.NET Core's own: body sizes (no built-in meter measures them)
/// and requests in progress (kept as a lock-free count so that the EMF exporter can also read its peak).
/// Duration and count come from ASP.NET Core's <c>http.server.request.duration</c>. Sizes go into the request
/// aggregation; the size histograms are recorded as well only while an OpenTelemetry reader listens to them
/// (OTLP export), which is all they are for.
/// </summary>
internal sealed class HttpInstruments
{
    private readonly RequestAggregation _aggregation;

    public HttpInstruments(IMeterFactory meterFactory, InFlightRequests inFlight, RequestAggregation aggregation)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _aggregation = aggregation;
        var meter = meterFactory.Create(PulseMetrics.HttpMeterName);
        RequestSize = meter.CreateHistogram<long>(
            PulseMetrics.Http.RequestSize, "By", "Size of HTTP request bodies.");
        ResponseSize = meter.CreateHistogram<long>(
            PulseMetrics.Http.ResponseSize, "By", "Size of HTTP response bodies.");
        meter.CreateObservableGauge(
            PulseMetrics.Http.RequestsInProgress, () => inFlight.Current, "{request}", "HTTP requests being served.");
    }

    public Histogram<long> RequestSize { get; }

    public Histogram<long> ResponseSize { get; }

    /// <summary>Records one request's body sizes (no allocation).</summary>
    /// <param name="method">The bounded method (<see cref="PulseMetrics.NormalizeMethod"/>).</param>
    /// <param name="route">The route template, null when none matched.</param>
    /// <param name="statusCode">The status code answered.</param>
    /// <param name="requestBytes">Request body bytes.</param>
    /// <param name="responseBytes">Response body bytes.</param>
    public void RecordSizes(string method, string? route, int statusCode, long requestBytes, long responseBytes)
    {
        _aggregation.RecordSizes(method, route, statusCode, requestBytes, responseBytes);
        if (RequestSize.Enabled || ResponseSize.Enabled)
        {
            var tags = new TagList { { HttpTags.Method, method } };
            if (route is not null)
            {
                tags.Add(HttpTags.Route, route);
            }

            RequestSize.Record(requestBytes, tags);
            ResponseSize.Record(responseBytes, tags);
        }
    }
}
