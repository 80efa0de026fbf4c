using Pulse.Telemetry.Http;

namespace Pulse.Telemetry.Tests;

public sealed class InFlightRequestsTests
{
    [Fact]
    public void PeakIsTheHighestCountSinceTheLastTake()
    {
        var inFlight = new InFlightRequests();
        inFlight.Enter();
        inFlight.Enter();
        inFlight.Enter();
        inFlight.Leave();
        inFlight.Leave();

        Assert.Equal(1, inFlight.Current);
        Assert.Equal(3, inFlight.TakePeak());
        Assert.Equal(1, inFlight.TakePeak());
    }

    [Fact]
    public async Task ConcurrentRequestsNeverLoseACount()
    {
        var inFlight = new InFlightRequests();
        using var start = new Barrier(8);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 10_000; i++)
            {
                inFlight.Enter();
                inFlight.Leave();
            }
        })));

        Assert.Equal(0, inFlight.Current);
        var peak = inFlight.TakePeak();
        Assert.InRange(peak, 1, 8);
    }
}
