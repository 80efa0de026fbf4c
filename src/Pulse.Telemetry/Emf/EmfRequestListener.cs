using System.Diagnostics.Metrics;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Schema;

namespace Pulse.Telemetry.Emf;

/// <summary>
/// PerRequest mode: listens to the very measurement ASP.NET Core's hosting layer records for each request
/// (<c>http.server.request.duration</c>, this host's only), so the latency in a per-request document is
/// exactly the value Prometheus and Aggregated mode aggregate. The request id and trace id arrive as the two
/// extra tags <see cref="HttpTags.RequestId"/> and <see cref="HttpTags.TraceId"/>, which the HTTP metrics
/// middleware adds only while a per-request EMF exporter is registered; the Prometheus views keep only their
/// own tag keys, so the extra tags never reach a Prometheus series.
/// </summary>
internal sealed class EmfRequestListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly HostMeterScope _scope;
    private readonly TimeProvider _time;
    private readonly Action<RequestSample> _onRequest;

    public EmfRequestListener(HostMeterScope scope, TimeProvider time, Action<RequestSample> onRequest)
    {
        _scope = scope;
        _time = time;
        _onRequest = onRequest;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PulseMetrics.AspNetCoreHostingMeterName
                && instrument.Name == HttpTags.ServerRequestDuration
                && !_scope.IsFromOtherHost(instrument))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
    }

    public void Start() => _listener.Start();

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var request = RequestTags.Read(tags);
        _onRequest(new RequestSample(
            _time.GetUtcNow().ToUnixTimeMilliseconds(), seconds, request.Route ?? PulseMetrics.UnmatchedEndpoint, request.StatusCode,
            request.Method, request.RequestId, request.TraceId));
    }
}
