using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Options;
using Pulse.Telemetry.Emf;
using Pulse.Telemetry.Prometheus;

namespace Pulse.Telemetry.Http;

/// <summary>
/// First middleware of the pipeline. Serves the Prometheus exposition, keeps excluded paths out of every
/// measurement (including ASP.NET Core's own), counts requests in flight and records body sizes. The
/// request duration and count are measured once, by ASP.NET Core's hosting layer.
/// </summary>
internal sealed class HttpTelemetryMiddleware
{
    private static readonly ObjectPool<CountingResponseBodyFeature> ResponseCounters =
        new DefaultObjectPool<CountingResponseBodyFeature>(new DefaultPooledObjectPolicy<CountingResponseBodyFeature>(), maximumRetained: 1024);

    private readonly RequestDelegate _next;
    private readonly HttpInstruments _instruments;
    private readonly InFlightRequests _inFlight;
    private readonly PrometheusEndpoint? _prometheus;
    private readonly PathString _metricsPath;
    private readonly int? _managementPort;
    private readonly HashSet<string> _excludedPaths;
    private readonly PathString[] _excludedPrefixes;
    private readonly bool _metricsPathExcluded;
    private readonly bool _emfPerRequest;

    public HttpTelemetryMiddleware(
        RequestDelegate next,
        HttpInstruments instruments,
        InFlightRequests inFlight,
        IOptions<TelemetryOptions> options,
        PrometheusEndpoint? prometheus = null)
    {
        _next = next;
        _instruments = instruments;
        _inFlight = inFlight;
        var settings = options.Value;
        _prometheus = settings.Prometheus.Enabled ? prometheus : null;
        _metricsPath = new PathString(settings.Prometheus.Path);
        _managementPort = settings.Prometheus.Port;

        var excluded = settings.Http.ExcludedPaths;
        _excludedPaths = new HashSet<string>(excluded.Where(p => !p.EndsWith("/*", StringComparison.Ordinal)), StringComparer.OrdinalIgnoreCase);
        _excludedPrefixes = [.. excluded.Where(p => p.EndsWith("/*", StringComparison.Ordinal)).Select(p => new PathString(p[..^2]))];
        _metricsPathExcluded = IsExcluded(_metricsPath);
        _emfPerRequest = settings.Emf.Enabled && settings.Emf.Mode == EmfMode.PerRequest;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (_prometheus is not null)
        {
            if (_managementPort is { } port)
            {
                if (context.Connection.LocalPort == port)
                {
                    // The management port serves the exposition and nothing else.
                    DisableMetrics(context);
                    if (path.Equals(_metricsPath, StringComparison.OrdinalIgnoreCase))
                    {
                        return _prometheus.HandleAsync(context);
                    }

                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }
            }
            else if (path.Equals(_metricsPath, StringComparison.OrdinalIgnoreCase))
            {
                if (_metricsPathExcluded)
                {
                    DisableMetrics(context);
                    return _prometheus.HandleAsync(context);
                }

                // Measured scrapes are reported under their own path: they match no routed endpoint.
                context.Features.Get<IHttpMetricsTagsFeature>()?.Tags.Add(new(HttpInstruments.RouteTag, _metricsPath.Value));
                return MeasureAsync(context, _prometheus.HandleAsync, _metricsPath.Value);
            }
        }

        if (IsExcluded(path))
        {
            DisableMetrics(context);
            return _next(context);
        }

        return MeasureAsync(context, _next, route: null);
    }

    private async Task MeasureAsync(HttpContext context, RequestDelegate handler, string? route)
    {
        _inFlight.Enter();
        var features = context.Features;
        if (_emfPerRequest && features.Get<IHttpMetricsTagsFeature>() is { } metricsTags)
        {
            // Only PerRequest EMF documents carry them; every other consumer's views keep only their own tag keys.
            metricsTags.Tags.Add(new(EmfRequestListener.RequestIdTag, context.TraceIdentifier));
            if (Activity.Current is { } activity && activity.IdFormat == ActivityIdFormat.W3C)
            {
                metricsTags.Tags.Add(new(EmfRequestListener.TraceIdTag, activity.TraceId.ToHexString()));
            }
        }

        var originalBody = features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var countingBody = ResponseCounters.Get();
        countingBody.Attach(originalBody);
        features.Set<IHttpResponseBodyFeature>(countingBody);

        var request = context.Request;
        CountingReadStream? chunkedBody = null;
        if (request.ContentLength is null && features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            chunkedBody = new CountingReadStream(request.Body);
            request.Body = chunkedBody;
        }

        try
        {
            await handler(context);
        }
        finally
        {
            features.Set(originalBody);
            var responseBytes = countingBody.BytesWritten;
            countingBody.Detach();
            ResponseCounters.Return(countingBody);
            _inFlight.Leave();

            route ??= context.GetEndpoint()?.Metadata.GetMetadata<IRouteDiagnosticsMetadata>()?.Route;
            _instruments.RecordSizes(request.Method, route, chunkedBody?.BytesRead ?? request.ContentLength ?? 0, responseBytes);
        }
    }

    private bool IsExcluded(PathString path)
    {
        if (path.Value is { } value && _excludedPaths.Contains(value))
        {
            return true;
        }

        foreach (var prefix in _excludedPrefixes)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase, out var below) && below.HasValue)
            {
                return true;
            }
        }

        return false;
    }

    private static void DisableMetrics(HttpContext context)
    {
        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } metrics)
        {
            metrics.MetricsDisabled = true;
        }
    }
}
