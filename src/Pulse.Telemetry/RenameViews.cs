using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace Pulse.Telemetry;

/// <summary>
/// Renames the gauges of the runtime's and Npgsql's meters whose names end in <c>.count</c>: Prometheus
/// reserves the <c>_count</c> suffix for histograms and summaries, and <c>promtool check metrics</c>
/// rejects a gauge named that way.
/// </summary>
internal static class RenameViews
{
    private static readonly Dictionary<(string Meter, string Instrument), string> Renames = new()
    {
        [(PulseMetrics.RuntimeMeterName, "dotnet.process.cpu.count")] = "dotnet.process.cpus",
        [(PulseMetrics.RuntimeMeterName, "dotnet.timer.count")] = "dotnet.timers",
        [(PulseMetrics.RuntimeMeterName, "dotnet.assembly.count")] = "dotnet.assemblies",
        [(PulseMetrics.RuntimeMeterName, "dotnet.thread_pool.thread.count")] = "dotnet.thread_pool.threads",
        [("Npgsql", "db.client.connection.count")] = "db.client.connections",
    };

    public static MetricStreamConfiguration? Create(Instrument instrument) =>
        Renames.TryGetValue((instrument.Meter.Name, instrument.Name), out var name)
            ? new MetricStreamConfiguration { Name = name }
            : null;
}
