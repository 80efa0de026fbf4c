using System.Diagnostics.Metrics;

namespace Pulse.Telemetry.Collection;

/// <summary>
/// Tells this host's instruments from another host's. Meters created through another host's
/// <see cref="IMeterFactory"/> carry the same names as ours (several hosts in one process, as in tests), and
/// every listener in the process sees them; only this host's measurements may be exported. Global meters
/// (the runtime's, most libraries') have no scope and count as ours.
/// </summary>
internal sealed class HostMeterScope(IMeterFactory meterFactory)
{
    public bool IsFromOtherHost(Instrument instrument) =>
        instrument.Meter.Scope is { } scope && !ReferenceEquals(scope, meterFactory);
}
