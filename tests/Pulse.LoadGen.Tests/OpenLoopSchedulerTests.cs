using Pulse.LoadGen.Engine;

namespace Pulse.LoadGen.Tests;

/// <summary>The open-loop schedule, driven by a fake clock: deterministic, no wall time involved.</summary>
public sealed class OpenLoopSchedulerTests
{
    private const long Second = 1_000_000_000;
    private const long Millisecond = 1_000_000;

    [Fact]
    public void FiveHundredPerSecondForTenSecondsSendsExactlyFiveThousandRequestsEachAtItsIntendedTime()
    {
        var random = new Random(7);
        // Every wake-up is up to 1.5 ms late, as a real sleep can be.
        var clock = new FakeClock { Oversleep = _ => random.NextInt64(1_500_000) };
        var dispatched = new List<(long Sequence, long Intended, long At)>();

        var reason = new OpenLoopScheduler(clock, 500).Run(0, 10 * Second, (n, intended) =>
        {
            dispatched.Add((n, intended, clock.Now));
            return 1;
        }, CancellationToken.None);

        Assert.Equal(StopReason.Duration, reason);
        Assert.Equal(5000, dispatched.Count);
        for (var k = 0; k < dispatched.Count; k++)
        {
            Assert.Equal(k, dispatched[k].Sequence);
            Assert.Equal(k * 2 * Millisecond, dispatched[k].Intended);
            Assert.InRange(dispatched[k].At - dispatched[k].Intended, 0, 1_500_000);
        }
    }

    [Fact]
    public void AStalledSchedulerSendsTheOverdueRequestsAtOnceWithTheirOriginalIntendedTimes()
    {
        // One wake-up 250 ms late, like a long GC pause: the requests due meanwhile are not skipped and not
        // re-timed; they leave at once and their latency will include the stall.
        var clock = new FakeClock();
        clock.Oversleep = target => target == 100 * 10 * Millisecond ? 250 * Millisecond : 0;
        var dispatched = new List<(long Intended, long At)>();
        var lags = new List<long>();

        new OpenLoopScheduler(clock, 100).Run(0, 2 * Second, (_, intended) =>
        {
            dispatched.Add((intended, clock.Now));
            return 1;
        }, CancellationToken.None, lags.Add);

        Assert.Equal(200, dispatched.Count);
        Assert.Equal(Enumerable.Range(0, 200).Select(k => k * 10 * Millisecond), dispatched.Select(d => d.Intended));
        var stallEnd = 1250 * Millisecond;
        var overdue = dispatched.Where(d => d.At == stallEnd).ToList();
        Assert.Equal(26, overdue.Count); // intended 1000 ms .. 1250 ms
        Assert.Equal(250 * Millisecond, lags.Max());
        Assert.All(dispatched, d => Assert.True(d.At >= d.Intended, "a request left before its time"));
    }

    [Fact]
    public void AFractionalRateDoesNotDrift()
    {
        var clock = new FakeClock();
        var intended = new List<long>();

        new OpenLoopScheduler(clock, 3).Run(0, 10 * Second, (_, t) =>
        {
            intended.Add(t);
            return 1;
        }, CancellationToken.None);

        Assert.Equal(30, intended.Count);
        Assert.Equal(9_666_666_667, intended[^1]);
    }

    [Fact]
    public void AFlowOfFiveRequestsReservesFiveSlots()
    {
        var clock = new FakeClock();
        var intended = new List<long>();

        new OpenLoopScheduler(clock, 100).Run(0, Second, (n, t) =>
        {
            intended.Add(t);
            return n % 2 == 0 ? 5 : 1;
        }, CancellationToken.None);

        // Slots: 0 (flow of 5), 5, 6 (flow), 11, 12 (flow), ...: flows at 6p, single requests at 6p + 5.
        Assert.Equal([0, 50 * Millisecond, 60 * Millisecond, 110 * Millisecond], intended.Take(4));
        Assert.Equal(33, intended.Count); // the last flow starts at slot 96; the next action's slot, 101, is past one second
    }

    [Fact]
    public void TheScheduleEndsWhenTheScenarioHasNothingLeft()
    {
        var clock = new FakeClock();
        var count = 0;

        var reason = new OpenLoopScheduler(clock, 1000).Run(0, 60 * Second, (n, _) =>
        {
            if (n >= 10)
            {
                return 0;
            }

            count++;
            return 1;
        }, CancellationToken.None);

        Assert.Equal(StopReason.ScenarioComplete, reason);
        Assert.Equal(10, count);
        Assert.Equal(10 * Millisecond, clock.Now);
    }

    [Fact]
    public void AStopRequestEndsTheScheduleBeforeTheNextRequest()
    {
        var clock = new FakeClock();
        using var stop = new CancellationTokenSource();
        var count = 0;

        var reason = new OpenLoopScheduler(clock, 1000).Run(0, 60 * Second, (_, _) =>
        {
            if (++count == 25)
            {
                stop.Cancel();
            }

            return 1;
        }, stop.Token);

        Assert.Equal(StopReason.Interrupt, reason);
        Assert.Equal(25, count);
    }

    [Fact]
    public void AtLowRatesTheSchedulerSleepsInShortStepsSoAStopIsNoticed()
    {
        var clock = new FakeClock();

        new OpenLoopScheduler(clock, 0.5).Run(0, 4 * Second, (_, _) => 1, CancellationToken.None);

        var step = (long)OpenLoopScheduler.MaxSleep.TotalNanoseconds;
        Assert.True(clock.LongestSleep <= step, $"slept {clock.LongestSleep} ns at once");
        Assert.True(clock.Sleeps >= 2 * Second / step, $"{clock.Sleeps} sleeps");
    }

    /// <summary>Nanosecond clock that only moves when the scheduler sleeps (plus an injected oversleep).</summary>
    private sealed class FakeClock : IScheduleClock
    {
        public long Now { get; private set; }

        public long Frequency => Second;

        public Func<long, long>? Oversleep { get; set; }

        public int Sleeps { get; private set; }

        public long LongestSleep { get; private set; }

        public void SleepUntil(long timestamp)
        {
            Sleeps++;
            LongestSleep = Math.Max(LongestSleep, timestamp - Now);
            Now = Math.Max(Now, timestamp) + (Oversleep?.Invoke(timestamp) ?? 0);
        }
    }
}
