namespace Pulse.LoadGen.Engine;

/// <summary>
/// The open-loop schedule: request <c>k</c> is due at <c>start + k / rps</c>, computed from <c>k</c> (so
/// rounding never accumulates into drift) and independent of when earlier requests were answered. When
/// the scheduler wakes late (a slow machine, a GC pause) it sends everything already due at once, each
/// request still stamped with its own intended time, so the delay shows up in the latency instead of being
/// silently absorbed. This is the correction for "coordinated omission" described by Gil Tene
/// ("How NOT to Measure Latency") and implemented by wrk2's constant-throughput mode.
/// </summary>
/// <remarks>
/// An action may send several requests (a CRUD flow sends five, one after another); the schedule then
/// advances by that many request slots, so the request rate stays at <c>rps</c>.
/// </remarks>
internal sealed class OpenLoopScheduler
{
    /// <summary>Longest single sleep, so a stop request is noticed promptly even at very low rates.</summary>
    public static readonly TimeSpan MaxSleep = TimeSpan.FromMilliseconds(50);

    private readonly IScheduleClock _clock;
    private readonly double _ticksPerRequest;
    private readonly long _maxSleepTicks;

    public OpenLoopScheduler(IScheduleClock clock, double requestsPerSecond)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requestsPerSecond);
        _clock = clock;
        _ticksPerRequest = clock.Frequency / requestsPerSecond;
        _maxSleepTicks = (long)(MaxSleep.TotalSeconds * clock.Frequency);
    }

    /// <summary>Intended send time of the request in slot <paramref name="slot"/>.</summary>
    public long IntendedTime(long start, long slot) => start + (long)Math.Round(slot * _ticksPerRequest);

    /// <summary>
    /// Runs the schedule from <paramref name="start"/> until an intended time reaches <paramref name="end"/>,
    /// <paramref name="stopping"/> is signalled, or <paramref name="dispatch"/> returns 0 (nothing left to send).
    /// <paramref name="dispatch"/> gets the action's sequence number and intended timestamp, starts it without
    /// waiting for it, and returns how many requests it will send. <paramref name="onLag"/> gets how late each
    /// action started, in clock ticks.
    /// </summary>
    public StopReason Run(long start, long end, Func<long, long, int> dispatch, CancellationToken stopping, Action<long>? onLag = null)
    {
        ArgumentNullException.ThrowIfNull(dispatch);
        long slot = 0;
        for (long sequence = 0; ; sequence++)
        {
            var intended = IntendedTime(start, slot);
            if (intended >= end)
            {
                return StopReason.Duration;
            }

            var now = _clock.Now;
            while (now < intended && !stopping.IsCancellationRequested)
            {
                _clock.SleepUntil(Math.Min(intended, now + _maxSleepTicks));
                now = _clock.Now;
            }

            if (stopping.IsCancellationRequested)
            {
                return StopReason.Interrupt;
            }

            var requests = dispatch(sequence, intended);
            if (requests <= 0)
            {
                return StopReason.ScenarioComplete;
            }

            onLag?.Invoke(now - intended);
            slot += requests;
        }
    }
}
