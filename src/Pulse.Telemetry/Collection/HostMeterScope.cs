using System.Diagnostics.Metrics;

namespace Pulse.Telemetry.Collection;

/// <summary>
/// Tells this host's instruments from another host's. Meters created through another host's
/// <see cref="IMeterFactory"/> carry the same names as ours (several hosts in one process, as in tests), and
/// every listener in the process sees them; only this host's measurements may be exported. Global meters
/// (the runtime's, most libraries') have no scope and count as ours, except those of the names a host always
/// creates through its factory (ASP.NET Core's hosting meter, Pulse's own): a meter of one of those names
/// without a scope was created by hand, by some other code in the process, and is no host's.
/// </summary>
internal sealed class HostMeterScope(IMeterFactory meterFactory)
{
    private static readonly HashSet<string> FactoryMeters = new(StringComparer.Ordinal)
    {
        PulseMetrics.AspNetCoreHostingMeterName,
        PulseMetrics.HttpMeterName,
        PulseMetrics.ProcessMeterName,
        PulseMetrics.EmfMeterName,
    };

    public bool IsFromOtherHost(Instrument instrument) => instrument.Meter.Scope is { } scope
        ? !ReferenceEquals(scope, meterFactory)
        : FactoryMeters.Contains(instrument.Meter.Name);
}
