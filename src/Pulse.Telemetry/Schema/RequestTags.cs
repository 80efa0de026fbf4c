namespace Pulse.Telemetry.Schema;

/// <summary>
/// What Pulse reads from the tags of one <c>http.server.request.duration</c> measurement: the method (normalized
/// as every export writes it), the route template (null when no route matched), the status code, and the two
/// tags the HTTP metrics middleware adds for per-request EMF documents.
/// </summary>
internal readonly record struct RequestTags(string Method, string? Route, int StatusCode, string? RequestId, string? TraceId)
{
    public static RequestTags Read(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? method = null;
        string? route = null;
        string? requestId = null;
        string? traceId = null;
        var status = 0;
        foreach (var (key, value) in tags)
        {
            // The hosting layer's keys are these very constants; the length tells most keys apart at once.
            switch (key)
            {
                case HttpTags.Method:
                    method = value as string;
                    break;
                case HttpTags.Route:
                    route = value as string;
                    break;
                case HttpTags.StatusCode when value is int code:
                    status = code;
                    break;
                case HttpTags.RequestId:
                    requestId = value as string;
                    break;
                case HttpTags.TraceId:
                    traceId = value as string;
                    break;
            }
        }

        // ASP.NET Core's own "_OTHER" normalizes like any method it does not know.
        return new(method is null ? PulseMetrics.OtherMethod : PulseMetrics.NormalizeMethod(method), route, status, requestId, traceId);
    }
}
