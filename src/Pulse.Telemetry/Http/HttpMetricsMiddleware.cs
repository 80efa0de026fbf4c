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
    private readonly ExcludedPaths _excludedPaths;
    private readonly bool _tagRequestIdentity;

    public HttpMetricsMiddleware(RequestDelegate next, HttpInstruments instruments, InFlightRequests inFlight, IOptions<HttpTelemetryOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _next = next;
        _instruments = instruments;
        _inFlight = inFlight;
        var settings = options.Value;
        _excludedPaths = new ExcludedPaths(settings.ExcludedPaths);
        _tagRequestIdentity = settings.TagRequestIdentity;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (_excludedPaths.Contains(context.Request.Path) || IsDisabled(endpoint))
        {
            DisableMetrics(context);
            return _next(context);
        }

        var measurement = Begin(context, endpoint);
        Task next;
        try
        {
            next = _next(context);
        }
        catch
        {
            End(context, measurement, failed: true);
            throw;
        }

        // Most requests complete synchronously (a small response is buffered and flushed by the server after the
        // pipeline returns): they are measured without an async state machine.
        if (next.IsCompletedSuccessfully)
        {
            End(context, measurement, failed: false);
            return Task.CompletedTask;
        }

        return EndAsync(next, context, measurement);
    }

    private async Task EndAsync(Task next, HttpContext context, Measurement measurement)
    {
        var failed = false;
        try
        {
            await next;
        }
        catch
        {
            // What escapes the pipeline is answered 500 by the server (and so measured by the hosting layer).
            failed = true;
            throw;
        }
        finally
        {
            End(context, measurement, failed);
        }
    }

    private Measurement Begin(HttpContext context, Endpoint? endpoint)
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

        CountingResponseBodyFeature? countingBody = null;
        IHttpResponseBodyFeature? originalBody = null;
        if (BenchmarkSwitches.BodyCounting)
        {
            originalBody = features.GetRequiredFeature<IHttpResponseBodyFeature>();
            countingBody = ResponseCounters.Get();
            countingBody.Attach(originalBody);
            features.Set<IHttpResponseBodyFeature>(countingBody);
        }

        var request = context.Request;
        CountingReadStream? chunkedBody = null;
        if (request.ContentLength is null && features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            chunkedBody = new CountingReadStream(request.Body);
            request.Body = chunkedBody;
        }

        return new Measurement(endpoint, originalBody, countingBody, chunkedBody);
    }

    private void End(HttpContext context, in Measurement measurement, bool failed)
    {
        long responseBytes = 0;
        if (measurement.CountingBody is { } countingBody)
        {
            context.Features.Set(measurement.OriginalBody);
            responseBytes = countingBody.BytesWritten;
            countingBody.Detach();
            ResponseCounters.Return(countingBody);
        }

        if (BenchmarkSwitches.InFlight)
        {
            _inFlight.Leave();
        }

        // The endpoint is known by now even if routing ran after this middleware.
        var endpoint = context.GetEndpoint();
        var disabled = ReferenceEquals(endpoint, measurement.Endpoint) ? false : IsDisabled(endpoint);
        if (BenchmarkSwitches.Sizes && !disabled && context.Features.Get<IHttpMetricsTagsFeature>() is not { MetricsDisabled: true })
        {
            var request = context.Request;
            var route = endpoint?.Metadata.GetMetadata<IRouteDiagnosticsMetadata>()?.Route;
            _instruments.RecordSizes(
                PulseMetrics.NormalizeMethod(request.Method), route, failed ? StatusCodes.Status500InternalServerError : context.Response.StatusCode,
                measurement.ChunkedBody?.BytesRead ?? request.ContentLength ?? 0, responseBytes);
        }
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

    /// <summary>What <see cref="Begin"/> set up for one request, for <see cref="End"/>.</summary>
    private readonly record struct Measurement(
        Endpoint? Endpoint, IHttpResponseBodyFeature? OriginalBody, CountingResponseBodyFeature? CountingBody, CountingReadStream? ChunkedBody);
}
