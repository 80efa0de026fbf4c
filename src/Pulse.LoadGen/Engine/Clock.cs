using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Pulse.LoadGen.Engine;

/// <summary>The time source of the open-loop scheduler, injectable so tests can drive it deterministically.</summary>
internal interface IScheduleClock
{
    /// <summary>Current timestamp in <see cref="Frequency"/> units per second (as <see cref="Stopwatch.GetTimestamp"/>).</summary>
    long Now { get; }

    long Frequency { get; }

    /// <summary>Blocks the calling thread until <see cref="Now"/> reaches <paramref name="timestamp"/> (it may wake late, never much early).</summary>
    void SleepUntil(long timestamp);
}

/// <summary>Stopwatch time and conversions.</summary>
internal static class Clock
{
    private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    public static long ToNanoseconds(long stopwatchTicks) =>
        Stopwatch.Frequency == 1_000_000_000 ? stopwatchTicks : (long)(stopwatchTicks * NanosecondsPerTick);

    public static long FromTimeSpan(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}

/// <summary>
/// The real clock. On Linux it sleeps with <c>nanosleep(2)</c>, which wakes within tens of microseconds,
/// where .NET's timers and <see cref="Thread.Sleep(int)"/> round to whole milliseconds: at 500 requests per
/// second a millisecond is half the gap between two requests, and every late wake-up adds to latency.
/// </summary>
internal sealed partial class SystemScheduleClock : IScheduleClock
{
    public static readonly SystemScheduleClock Instance = new();

    private static readonly bool UseNanosleep = OperatingSystem.IsLinux();

    private SystemScheduleClock()
    {
    }

    public long Now => Stopwatch.GetTimestamp();

    public long Frequency => Stopwatch.Frequency;

    public void SleepUntil(long timestamp)
    {
        var remaining = timestamp - Stopwatch.GetTimestamp();
        if (remaining <= 0)
        {
            return;
        }

        var nanoseconds = Clock.ToNanoseconds(remaining);
        if (UseNanosleep)
        {
            var request = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
            // EINTR (a signal) only ends the sleep early; the scheduler re-checks the time anyway.
            _ = NativeMethods.nanosleep(ref request, IntPtr.Zero);
        }
        else
        {
            Thread.Sleep(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, nanoseconds / 100)));
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = false)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054 // A plain DllImport keeps the project free of unsafe code; the signature is blittable.
        public static extern int nanosleep(ref Timespec request, IntPtr remaining);
#pragma warning restore SYSLIB1054
    }
}
