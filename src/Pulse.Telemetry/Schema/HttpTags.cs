namespace Pulse.Telemetry.Schema;

/// <summary>
/// The names ASP.NET Core's hosting meter uses for its request measurement (OpenTelemetry semantic
/// conventions for HTTP servers), which Pulse's HTTP families are made from, and the two tags Pulse adds
/// for per-request EMF documents.
/// </summary>
internal static class HttpTags
{
    /// <summary>Tag key of the request method.</summary>
    public const string Method = "http.request.method";

    /// <summary>Tag key of the route template.</summary>
    public const string Route = "http.route";

    /// <summary>Tag key of the response status code.</summary>
    public const string StatusCode = "http.response.status_code";

    /// <summary>Extra tag carrying <c>HttpContext.TraceIdentifier</c>, for per-request EMF documents only.</summary>
    public const string RequestId = "pulse.request_id";

    /// <summary>Extra tag carrying the W3C trace id, for per-request EMF documents only.</summary>
    public const string TraceId = "pulse.trace_id";

    /// <summary>ASP.NET Core's request duration histogram: the one measurement taken per request.</summary>
    public const string ServerRequestDuration = "http.server.request.duration";

    /// <summary>ASP.NET Core's in-flight request counter, replaced by <see cref="PulseMetrics.Http.RequestsInProgress"/>.</summary>
    public const string ServerActiveRequests = "http.server.active_requests";
}
