using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace Pulse.Telemetry.Schema;

/// <summary>
/// Views that shape the HTTP streams in the OpenTelemetry SDK. Pulse's own exporters read the request
/// aggregation instead (<c>Collection.RequestAggregation</c>), so the SDK aggregates ASP.NET Core's request
/// duration and the body sizes only for the other readers of the MeterProvider (OTLP):
/// <see cref="HttpTelemetryOptions.AggregateInSdk"/>. Then the duration is one stream by method, endpoint and
/// status code, named <c>http_request_duration_seconds</c>; otherwise nothing of it is aggregated twice.
/// </summary>
internal static class HttpViews
{
    public static Func<Instrument, MetricStreamConfiguration?> Create(HttpTelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string[] byStatus = [HttpTags.Method, HttpTags.Route, HttpTags.StatusCode];
        var durationBounds = options.DurationBuckets.Count > 0 ? options.DurationBuckets.ToArray() : [.. PulseMetrics.Http.DefaultDurationBuckets];
        var sizeBounds = options.SizeBuckets.Count > 0 ? options.SizeBuckets.ToArray() : [.. PulseMetrics.Http.DefaultSizeBuckets];
        var inSdk = options.AggregateInSdk;

        return instrument => (instrument.Meter.Name, instrument.Name) switch
        {
            (PulseMetrics.AspNetCoreHostingMeterName, HttpTags.ServerRequestDuration) when inSdk => new ExplicitBucketHistogramConfiguration
            {
                Name = PulseMetrics.Http.RequestDuration,
                Description = "Duration of HTTP requests in seconds.",
                Boundaries = durationBounds,
                TagKeys = byStatus,
                RecordMinMax = false,
            },

            // Replaced by PulseMetrics.Http.RequestsInProgress, which also tracks the peak for EMF.
            (PulseMetrics.AspNetCoreHostingMeterName, _) => MetricStreamConfiguration.Drop,

            // No TagKeys: the middleware records exactly method and route, and the SDK's unfiltered path is cheaper.
            (PulseMetrics.HttpMeterName, PulseMetrics.Http.RequestSize or PulseMetrics.Http.ResponseSize) when inSdk => new ExplicitBucketHistogramConfiguration
            {
                Boundaries = sizeBounds,
                RecordMinMax = false,
            },
            (PulseMetrics.HttpMeterName, PulseMetrics.Http.RequestSize or PulseMetrics.Http.ResponseSize) => MetricStreamConfiguration.Drop,
            _ => null,
        };
    }
}
