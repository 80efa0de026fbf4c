using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace Pulse.Telemetry.Schema;

/// <summary>
/// Views that shape the HTTP streams. ASP.NET Core's single <c>http.server.request.duration</c>
/// measurement per request is aggregated once, by method, endpoint and status code; the Prometheus
/// exposition derives both <c>http_request_duration_seconds</c> (status codes merged) and
/// <c>http_requests_total</c> (the counts) from that one stream (see <see cref="PrometheusSchema"/>).
/// </summary>
internal static class HttpViews
{
    public static Func<Instrument, MetricStreamConfiguration?> Create(HttpTelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string[] byStatus = [HttpTags.Method, HttpTags.Route, HttpTags.StatusCode];
        var durationBounds = options.DurationBuckets.Count > 0 ? options.DurationBuckets.ToArray() : [.. PulseMetrics.Http.DefaultDurationBuckets];
        var sizeBounds = options.SizeBuckets.Count > 0 ? options.SizeBuckets.ToArray() : [.. PulseMetrics.Http.DefaultSizeBuckets];

        return instrument => (instrument.Meter.Name, instrument.Name) switch
        {
            (PulseMetrics.AspNetCoreHostingMeterName, HttpTags.ServerRequestDuration) when !BenchmarkSwitches.Duration => MetricStreamConfiguration.Drop,
            (PulseMetrics.AspNetCoreHostingMeterName, HttpTags.ServerRequestDuration) => new ExplicitBucketHistogramConfiguration
            {
                Name = PulseMetrics.Http.RequestDuration,
                Description = "Duration of HTTP requests in seconds.",
                Boundaries = durationBounds,
                TagKeys = BenchmarkSwitches.DurationTagKeys ? byStatus : null,
                RecordMinMax = false,
            },

            // Replaced by PulseMetrics.Http.RequestsInProgress, which also tracks the peak for EMF.
            (PulseMetrics.AspNetCoreHostingMeterName, HttpTags.ServerActiveRequests) => MetricStreamConfiguration.Drop,

            // No TagKeys: the middleware records exactly method and route, and the SDK's unfiltered path is cheaper.
            (PulseMetrics.HttpMeterName, PulseMetrics.Http.RequestSize or PulseMetrics.Http.ResponseSize) => new ExplicitBucketHistogramConfiguration
            {
                Boundaries = sizeBounds,
                RecordMinMax = false,
            },
            _ => null,
        };
    }
}
