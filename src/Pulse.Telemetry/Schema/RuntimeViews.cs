using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace Pulse.Telemetry.Schema;

/// <summary>
/// Renames the gauges of the runtime's meter whose names end in <c>.count</c>: Prometheus reserves the
/// <c>_count</c> suffix for histograms and summaries, and <c>promtool check metrics</c> rejects a gauge
/// named that way.
/// </summary>
internal static class RuntimeViews
{
    private static readonly Dictionary<string, string> Renames = new(StringComparer.Ordinal)
    {
        ["dotnet.process.cpu.count"] = "dotnet.process.cpus",
        ["dotnet.timer.count"] = "dotnet.timers",
        ["dotnet.assembly.count"] = "dotnet.assemblies",
        ["dotnet.thread_pool.thread.count"] = "dotnet.thread_pool.threads",
    };

    public static MetricStreamConfiguration? Select(Instrument instrument) =>
        instrument.Meter.Name == PulseMetrics.RuntimeMeterName && Renames.TryGetValue(instrument.Name, out var name)
            ? new MetricStreamConfiguration { Name = name }
            : null;
}
