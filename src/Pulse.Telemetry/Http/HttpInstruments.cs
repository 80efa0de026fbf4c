using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pulse.Telemetry.Schema;

namespace Pulse.Telemetry.Http;

/// <summary>
/// The HTTP instruments this library adds to ASP.NET Core's own: body sizes (no built-in meter measures
/// them) and requests in progress (kept as a lock-free count so that the EMF exporter can also read its peak).
/// Duration and count come from ASP.NET Core's <c>http.server.request.duration</c>.
/// </summary>
internal sealed class HttpInstruments
{
    public HttpInstruments(IMeterFactory meterFactory, InFlightRequests inFlight)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
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

    /// <summary>Records one request's body sizes with the same method and route tags ASP.NET Core uses (no allocation).</summary>
    public void RecordSizes(string method, string? route, long requestBytes, long responseBytes)
    {
        var tags = new TagList { { HttpTags.Method, PulseMetrics.NormalizeMethod(method) } };
        if (route is not null)
        {
            tags.Add(HttpTags.Route, route);
        }

        RequestSize.Record(requestBytes, tags);
        ResponseSize.Record(responseBytes, tags);
    }
}
