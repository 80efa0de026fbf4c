using System.Diagnostics.Metrics;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Schema;

namespace Pulse.Telemetry.Http;

/// <summary>
/// Feeds the request aggregation from the one measurement ASP.NET Core's hosting layer takes per request
/// (<c>http.server.request.duration</c> of this host's <c>Microsoft.AspNetCore.Hosting</c> meter, with its method,
/// route and status code tags). A listener of its own rather than the OpenTelemetry SDK's: the SDK would copy,
/// filter and sort the tags and look the point up in a dictionary of tag sets for every request, and aggregate
/// the measurement once per reader; this reads the three tags and updates <see cref="RequestAggregation"/> once
/// for every export.
/// </summary>
internal sealed class HttpRequestListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly RequestAggregation _aggregation;

    public HttpRequestListener(HostMeterScope scope, RequestAggregation aggregation)
    {
        ArgumentNullException.ThrowIfNull(scope);
        _aggregation = aggregation;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PulseMetrics.AspNetCoreHostingMeterName
                && instrument.Name == HttpTags.ServerRequestDuration
                && instrument is Histogram<double>
                && !scope.IsFromOtherHost(instrument)
                && BenchmarkSwitches.Duration)
            {
                listener.EnableMeasurementEvents(instrument, this);
            }
        };
        _listener.SetMeasurementEventCallback<double>(static (_, seconds, tags, state) => ((HttpRequestListener)state!).Record(seconds, tags));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var request = RequestTags.Read(tags);
        _aggregation.RecordDuration(request.Method, request.Route, request.StatusCode, seconds);
    }
}
