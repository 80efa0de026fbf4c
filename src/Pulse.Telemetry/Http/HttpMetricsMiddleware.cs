using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Options;
using Pulse.Telemetry.Schema;

namespace Pulse.Telemetry.Http;

/// <summary>
/// The HTTP metrics middleware. Keeps excluded requests out of every measurement (ASP.NET Core's own
/// included): paths listed in <see cref="HttpTelemetryOptions.ExcludedPaths"/> and endpoints that carry
/// ASP.NET Core's <see cref="IDisableHttpMetricsMetadata"/>. Counts requests in flight and records body
/// sizes; the request duration and count are measured once, by ASP.NET Core's hosting layer. Placed first in
/// the pipeline, after routing (which a <c>WebApplication</c> runs before the first middleware), so that the
/// exception handler's answers are measured too.
/// </summary>
internal sealed class HttpMetricsMiddleware
{
    private static readonly ObjectPool<CountingResponseBodyFeature> ResponseCounters =
        new DefaultObjectPool<CountingResponseBodyFeature>(new DefaultPooledObjectPolicy<CountingResponseBodyFeature>(), maximumRetained: 1024);

    private readonly RequestDelegate _next;
    private readonly HttpInstruments _instruments;
    private readonly InFlightRequests _inFlight;
    private readonly HashSet<string> _excludedPaths;
    private readonly PathString[] _excludedPrefixes;
    private readonly bool _tagRequestIdentity;

    public HttpMetricsMiddleware(RequestDelegate next, HttpInstruments instruments, InFlightRequests inFlight, IOptions<HttpTelemetryOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _next = next;
        _instruments = instruments;
        _inFlight = inFlight;
        var settings = options.Value;
        var excluded = settings.ExcludedPaths;
        _excludedPaths = new HashSet<string>(excluded.Where(p => !p.EndsWith("/*", StringComparison.Ordinal)), StringComparer.OrdinalIgnoreCase);
        _excludedPrefixes = [.. excluded.Where(p => p.EndsWith("/*", StringComparison.Ordinal)).Select(p => new PathString(p[..^2]))];
        _tagRequestIdentity = settings.TagRequestIdentity;
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (IsExcluded(context.Request.Path) || IsDisabled(context.GetEndpoint()))
        {
            DisableMetrics(context);
            return _next(context);
        }

        return MeasureAsync(context);
    }

    private async Task MeasureAsync(HttpContext context)
    {
        if (BenchmarkSwitches.InFlight)
        {
            _inFlight.Enter();
        }

        var features = context.Features;
        if (_tagRequestIdentity && features.Get<IHttpMetricsTagsFeature>() is { } metricsTags)
        {
            // Only per-request EMF documents read them; every other consumer's views keep only their own tag keys.
            metricsTags.Tags.Add(new(HttpTags.RequestId, context.TraceIdentifier));
            if (Activity.Current is { } activity && activity.IdFormat == ActivityIdFormat.W3C)
            {
                metricsTags.Tags.Add(new(HttpTags.TraceId, activity.TraceId.ToHexString()));
            }
        }

        var originalBody = features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var countingBody = ResponseCounters.Get();
        countingBody.Attach(originalBody);
        if (BenchmarkSwitches.BodyCounting)
        {
            features.Set<IHttpResponseBodyFeature>(countingBody);
        }

        var request = context.Request;
        CountingReadStream? chunkedBody = null;
        if (request.ContentLength is null && features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            chunkedBody = new CountingReadStream(request.Body);
            request.Body = chunkedBody;
        }

        var failed = false;
        try
        {
            await _next(context);
        }
        catch
        {
            // What escapes the pipeline is answered 500 by the server (and so measured by the hosting layer).
            failed = true;
            throw;
        }
        finally
        {
            if (BenchmarkSwitches.BodyCounting)
            {
                features.Set(originalBody);
            }

            var responseBytes = countingBody.BytesWritten;
            countingBody.Detach();
            ResponseCounters.Return(countingBody);
            if (BenchmarkSwitches.InFlight)
            {
                _inFlight.Leave();
            }

            // The endpoint is known by now even if routing ran after this middleware.
            var endpoint = context.GetEndpoint();
            if (BenchmarkSwitches.Sizes && !IsDisabled(endpoint) && features.Get<IHttpMetricsTagsFeature>() is not { MetricsDisabled: true })
            {
                var route = endpoint?.Metadata.GetMetadata<IRouteDiagnosticsMetadata>()?.Route;
                _instruments.RecordSizes(
                    PulseMetrics.NormalizeMethod(request.Method), route, failed ? StatusCodes.Status500InternalServerError : context.Response.StatusCode,
                    chunkedBody?.BytesRead ?? request.ContentLength ?? 0, responseBytes);
            }
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

    private static bool IsDisabled(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<IDisableHttpMetricsMetadata>() is not null;

    private static void DisableMetrics(HttpContext context)
    {
        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } metrics)
        {
            metrics.MetricsDisabled = true;
        }
    }
}
