namespace Pulse.Telemetry;

/// <summary>
/// Parts of the telemetry that bench/overhead.sh switches off one at a time to measure what each costs a
/// request (bench/README.md, "Instrumentation overhead"). Read once from the environment variable
/// <c>PULSE_BENCH_OFF</c>, a list of part names separated by commas or plus signs; unset outside benchmarks, and not a setting:
/// a service with a part switched off no longer exports what docs/metrics.md promises.
/// </summary>
internal static class BenchmarkSwitches
{
    private static readonly HashSet<string> Off = new(
        (Environment.GetEnvironmentVariable("PULSE_BENCH_OFF") ?? string.Empty)
            .Split([',', '+'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>The response body is not wrapped to count its bytes.</summary>
    public static bool BodyCounting { get; } = !Off.Contains("body");

    /// <summary>The body sizes are not recorded.</summary>
    public static bool Sizes { get; } = !Off.Contains("sizes");

    /// <summary>Requests in flight are not counted.</summary>
    public static bool InFlight { get; } = !Off.Contains("inflight");

    /// <summary>The HTTP metrics middleware is not added at all.</summary>
    public static bool Middleware { get; } = !Off.Contains("middleware");

    /// <summary>ASP.NET Core's request duration is not listened to (so its hosting layer does not measure it).</summary>
    public static bool Duration { get; } = !Off.Contains("duration");

    /// <summary>The process and runtime meters are not listened to.</summary>
    public static bool Process { get; } = !Off.Contains("process");
}
