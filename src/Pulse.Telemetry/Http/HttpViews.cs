using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace Pulse.Telemetry.Http;

/// <summary>
/// Views that shape the HTTP streams. ASP.NET Core's single <c>http.server.request.duration</c>
/// measurement per request feeds two streams: the duration histogram by method and endpoint, and the
/// request counter by method, endpoint and status code (a histogram without bounds, exported as its count).
/// </summary>
internal static class HttpViews
{
    public static IEnumerable<Func<Instrument, MetricStreamConfiguration?>> Create(HttpTelemetryOptions options)
    {
        string[] byEndpoint = [HttpInstruments.MethodTag, HttpInstruments.RouteTag];
        string[] byStatus = [HttpInstruments.MethodTag, HttpInstruments.RouteTag, HttpInstruments.StatusCodeTag];
        var durationBounds = options.DurationBuckets.ToArray();
        var sizeBounds = options.SizeBuckets.ToArray();

        yield return instrument => (instrument.Meter.Name, instrument.Name) switch
        {
            (PulseMetrics.AspNetCoreHostingMeterName, HttpInstruments.ServerRequestDuration) => new ExplicitBucketHistogramConfiguration
            {
                Name = PulseMetrics.Http.RequestDuration,
                Description = "Duration of HTTP requests in seconds.",
                Boundaries = durationBounds,
                TagKeys = byEndpoint,
                RecordMinMax = false,
            },

            // Replaced by PulseMetrics.Http.RequestsInProgress, which also tracks the peak for EMF.
            (PulseMetrics.AspNetCoreHostingMeterName, HttpInstruments.ServerActiveRequests) => MetricStreamConfiguration.Drop,

            (PulseMetrics.HttpMeterName, PulseMetrics.Http.RequestSize or PulseMetrics.Http.ResponseSize) => new ExplicitBucketHistogramConfiguration
            {
                Boundaries = sizeBounds,
                TagKeys = byEndpoint,
                RecordMinMax = false,
            },
            _ => null,
        };

        yield return instrument => (instrument.Meter.Name, instrument.Name) switch
        {
            (PulseMetrics.AspNetCoreHostingMeterName, HttpInstruments.ServerRequestDuration) => new ExplicitBucketHistogramConfiguration
            {
                Name = PulseMetrics.Http.RequestsTotal,
                Description = "Total HTTP requests by method, endpoint and status code.",
                Boundaries = [],
                TagKeys = byStatus,
                RecordMinMax = false,
            },
            _ => null,
        };
    }
}
