using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pulse.Telemetry.Http;

/// <summary>
/// The HTTP instruments this library adds to ASP.NET Core's own: body sizes (no built-in meter measures
/// them) and requests in progress (kept as a lock-free count so that the EMF exporter can also read its peak).
/// Duration and count come from ASP.NET Core's <c>http.server.request.duration</c>.
/// </summary>
internal sealed class HttpInstruments
{
    /// <summary>Tag key of the request method, the same key ASP.NET Core's hosting meter uses.</summary>
    public const string MethodTag = "http.request.method";

    /// <summary>Tag key of the route template, the same key ASP.NET Core's hosting meter uses.</summary>
    public const string RouteTag = "http.route";

    /// <summary>Tag key of the status code, the same key ASP.NET Core's hosting meter uses.</summary>
    public const string StatusCodeTag = "http.response.status_code";

    /// <summary>Name of ASP.NET Core's request duration histogram.</summary>
    public const string ServerRequestDuration = "http.server.request.duration";

    /// <summary>Name of ASP.NET Core's in-flight request counter, replaced by <see cref="PulseMetrics.Http.RequestsInProgress"/>.</summary>
    public const string ServerActiveRequests = "http.server.active_requests";

    public HttpInstruments(IMeterFactory meterFactory, InFlightRequests inFlight)
    {
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
        var tags = new TagList { { MethodTag, PulseMetrics.NormalizeMethod(method) } };
        if (route is not null)
        {
            tags.Add(RouteTag, route);
        }

        RequestSize.Record(requestBytes, tags);
        ResponseSize.Record(responseBytes, tags);
    }
}
