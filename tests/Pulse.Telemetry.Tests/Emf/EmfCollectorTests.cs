using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Emf;

namespace Pulse.Telemetry.Tests.Emf;

public sealed class EmfCollectorTests
{
    [Fact]
    public async Task EachCollectionHoldsOnlyWhatWasRecordedSinceThePreviousOne()
    {
        await using var harness = new EmfHarness();
        using var collector = new EmfCollector(new HostMeterScope(harness.MeterFactory), requestDurations: true, []);

        harness.Record(0.010, "/a", 200);
        harness.Record(0.020, "/a", 200);
        harness.Record(0.030, "/a", 500);
        var first = collector.Collect();
        harness.Record(0.040, "/a", 200);
        var second = collector.Collect();
        var third = collector.Collect();

        Assert.Equal(2, first.Single(h => h.StatusCode == 200).Distribution.Count);
        Assert.Equal(1, first.Single(h => h.StatusCode == 500).Distribution.Count);
        var only = Assert.Single(second);
        Assert.Equal(("/a", 200, 1L, 0.040, 0.040), (only.Route, only.StatusCode, only.Distribution.Count, only.Distribution.Min, only.Distribution.Max));
        Assert.Empty(third);
    }

    [Fact]
    public async Task DurationsFromMicrosecondsToAnHourKeepScaleFiveIntervalAfterInterval()
    {
        await using var harness = new EmfHarness();
        using var collector = new EmfCollector(new HostMeterScope(harness.MeterFactory), requestDurations: true, []);

        for (var interval = 0; interval < 3; interval++)
        {
            // 2 µs to 3600 s spans 2^30.7: within the 1024 buckets of scale 5.
            for (var seconds = 2e-6; seconds < 3600; seconds *= 1.01)
            {
                harness.Record(seconds, "/wide", 200);
            }

            var histogram = Assert.Single(collector.Collect()).Distribution;
            Assert.Equal(EmfCollector.MaxScale, histogram.Scale);
            Assert.Equal(2e-6, histogram.Min);
        }
    }

    [Fact]
    public async Task RequestsWithoutARouteHaveANullRoute()
    {
        await using var harness = new EmfHarness();
        using var collector = new EmfCollector(new HostMeterScope(harness.MeterFactory), requestDurations: true, []);

        harness.Record(0.001, route: null, 404);

        var histogram = Assert.Single(collector.Collect());
        Assert.Null(histogram.Route);
        Assert.Equal(404, histogram.StatusCode);
    }

    [Fact]
    public async Task AnotherHostsMeasurementsAreIgnored()
    {
        await using var ours = new EmfHarness();
        await using var theirs = new EmfHarness();
        using var collector = new EmfCollector(new HostMeterScope(ours.MeterFactory), requestDurations: true, []);

        theirs.Record(0.5, "/theirs", 200);
        ours.Record(0.25, "/ours", 200);

        Assert.Equal("/ours", Assert.Single(collector.Collect()).Route);
    }
}
