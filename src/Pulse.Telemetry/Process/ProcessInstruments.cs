using System.Diagnostics.Metrics;
using System.Globalization;

namespace Pulse.Telemetry.Process;

/// <summary>
/// The process families: client_golang's process collector names, plus <c>custom_process_open_fds</c> and
/// <c>custom_process_threads</c>. Observed at scrape time; on Linux they read procfs (proc(5)), elsewhere
/// they fall back to <see cref="System.Diagnostics.Process"/>.
/// </summary>
internal sealed class ProcessInstruments
{
    private readonly DateTimeOffset _startTime;

    public ProcessInstruments(IMeterFactory meterFactory, TimeProvider timeProvider)
    {
        using (var process = System.Diagnostics.Process.GetCurrentProcess())
        {
            _startTime = process.StartTime.ToUniversalTime();
        }

        var meter = meterFactory.Create(PulseMetrics.ProcessMeterName);
        meter.CreateObservableCounter(
            PulseMetrics.Process.CpuSecondsTotal, static () => Environment.CpuUsage.TotalTime.TotalSeconds, "s",
            "Total user and system CPU time spent in seconds.");
        meter.CreateObservableGauge(
            PulseMetrics.Process.ResidentMemory, static () => Environment.WorkingSet, "By", "Resident memory size in bytes.");
        meter.CreateObservableGauge(
            PulseMetrics.Process.VirtualMemory, ReadVirtualMemory, "By", "Virtual memory size in bytes.");
        meter.CreateObservableGauge(
            PulseMetrics.Process.StartTime, () => _startTime.ToUnixTimeMilliseconds() / 1000.0, "s",
            "Start time of the process since the Unix epoch in seconds.");
        meter.CreateObservableGauge(
            PulseMetrics.Process.Uptime, () => (timeProvider.GetUtcNow() - _startTime).TotalSeconds, "s",
            "Seconds since the process started.");
        meter.CreateObservableGauge(
            PulseMetrics.Process.OpenFds, CountOpenFileDescriptors, "{file_descriptor}", "Number of open file descriptors.");
        meter.CreateObservableGauge(
            PulseMetrics.Process.MaxFds, ReadMaxFileDescriptors, "{file_descriptor}",
            "Soft limit on the number of open file descriptors.");
        meter.CreateObservableGauge(
            PulseMetrics.Process.Threads, ReadThreadCount, "{thread}", "Number of operating-system threads in the process.");
    }

    private static long ReadVirtualMemory()
    {
        // /proc/self/statm: the first field is the total program size in pages.
        if (TryReadFirstLine("/proc/self/statm") is { } statm
            && long.TryParse(statm.AsSpan(0, statm.IndexOf(' ', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture, out var pages))
        {
            return pages * Environment.SystemPageSize;
        }

        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.VirtualMemorySize64;
    }

    private static long CountOpenFileDescriptors()
    {
        if (Directory.Exists("/proc/self/fd"))
        {
            // The enumeration's own descriptor is listed too; client_golang counts the same way.
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount();
        }

        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.HandleCount;
    }

    private static double ReadMaxFileDescriptors()
    {
        // /proc/self/limits: "Max open files            1024                 1048576              files".
        foreach (var line in TryReadLines("/proc/self/limits"))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields[0] == "unlimited"
                    ? double.PositiveInfinity
                    : double.Parse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }

    private static long ReadThreadCount()
    {
        foreach (var line in TryReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan("Threads:".Length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }

        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.Threads.Count;
    }

    private static string? TryReadFirstLine(string path) => TryReadLines(path).FirstOrDefault();

    private static IEnumerable<string> TryReadLines(string path) => File.Exists(path) ? File.ReadLines(path) : [];
}
