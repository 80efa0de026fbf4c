using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Schema;
using Pulse.Telemetry.Tests.Emf;

namespace Pulse.Telemetry.Tests;

/// <summary>The one aggregation of the request measurements, fed as the service feeds it (the hosting layer's measurement).</summary>
public sealed class RequestAggregationTests
{
    [Fact]
    public async Task EachIntervalHoldsOnlyWhatWasRecordedSinceThePreviousOne()
    {
        await using var harness = new EmfHarness();
        var reader = harness.Aggregation.AddIntervalReader();

        harness.Record(0.010, "/a", 200);
        harness.Record(0.020, "/a", 200);
        harness.Record(0.030, "/a", 500);
        var first = reader.Collect();
        harness.Record(0.040, "/a", 200);
        var second = reader.Collect();
        var third = reader.Collect();

        Assert.Equal(2, first.Single(h => h.StatusCode == 200).Count);
        Assert.Equal(1, first.Single(h => h.StatusCode == 500).Count);
        var only = Assert.Single(second);
        Assert.Equal(("/a", 200, 1L, 0.040, 0.040), (only.Route, only.StatusCode, only.Count, only.Min, only.Max));
        Assert.Equal(1, only.Counts.Sum());
        Assert.Empty(third);
    }

    [Fact]
    public async Task TwoIntervalReadersEachGetTheirOwnIntervalsFromTheSameCounts()
    {
        await using var harness = new EmfHarness();
        var early = harness.Aggregation.AddIntervalReader();
        harness.Record(0.5, "/a", 200);
        var late = harness.Aggregation.AddIntervalReader();
        harness.Record(0.25, "/a", 200);

        var fromEarly = Assert.Single(early.Collect());
        var fromLate = Assert.Single(late.Collect());

        Assert.Equal((2L, 0.25, 0.5, 0.75), (fromEarly.Count, fromEarly.Min, fromEarly.Max, fromEarly.Sum));
        Assert.Equal((1L, 0.25, 0.25, 0.25), (fromLate.Count, fromLate.Min, fromLate.Max, fromLate.Sum));
    }

    [Fact]
    public async Task DurationsFromMicrosecondsToAnHourKeepScaleFiveAndTheirExactCountMinAndMax()
    {
        await using var harness = new EmfHarness();
        var reader = harness.Aggregation.AddIntervalReader();

        for (var interval = 0; interval < 3; interval++)
        {
            // 2 µs to 3600 s spans 2^30.7: within the 1024 buckets kept.
            long recorded = 0;
            for (var seconds = 2e-6; seconds < 3600; seconds *= 1.01)
            {
                harness.Record(seconds, "/wide", 200);
                recorded++;
            }

            var histogram = Assert.Single(reader.Collect());
            Assert.Equal(ExponentialIndex.Scale, histogram.Scale);
            Assert.Equal((recorded, recorded, 2e-6), (histogram.Count, histogram.Counts.Sum(), histogram.Min));
            Assert.InRange(histogram.Max, 3564, 3600);
        }
    }

    [Fact]
    public void BucketIndexesFollowTheExponentialHistogramsBoundaries()
    {
        // Bucket i holds (2^(i/32), 2^((i+1)/32)]: a power of two closes the bucket below it.
        Assert.Equal(-1, ExponentialIndex.Of(1.0));
        Assert.Equal(0, ExponentialIndex.Of(1.0 + 1e-12));
        Assert.Equal(31, ExponentialIndex.Of(1.999));
        Assert.Equal(31, ExponentialIndex.Of(2.0));
        Assert.Equal(32, ExponentialIndex.Of(2.0001));
        Assert.Equal(-33, ExponentialIndex.Of(0.5));
        for (var i = -600; i < 300; i += 7)
        {
            var lower = ExponentialIndex.LowerBound(i);
            var upper = ExponentialIndex.LowerBound(i + 1);
            Assert.Equal(i, ExponentialIndex.Of((lower + upper) / 2));
        }

        Assert.Equal(ExponentialIndex.MinIndex, ExponentialIndex.Of(1e-12));
        Assert.Equal(ExponentialIndex.MaxIndex, ExponentialIndex.Of(1e9));
    }

    [Fact]
    public async Task RequestsWithoutARouteHaveANullRoute()
    {
        await using var harness = new EmfHarness();
        var reader = harness.Aggregation.AddIntervalReader();

        harness.Record(0.001, route: null, 404);

        var histogram = Assert.Single(reader.Collect());
        Assert.Null(histogram.Route);
        Assert.Equal(404, histogram.StatusCode);
    }

    [Fact]
    public async Task AnotherHostsMeasurementsAreIgnored()
    {
        await using var ours = new EmfHarness();
        await using var theirs = new EmfHarness();
        var reader = ours.Aggregation.AddIntervalReader();

        theirs.Record(0.5, "/theirs", 200);
        ours.Record(0.25, "/ours", 200);

        Assert.Equal("/ours", Assert.Single(reader.Collect()).Route);
    }

    [Fact]
    public async Task AHostingMeterCreatedWithoutAFactoryIsNoHostsAndIsIgnored()
    {
        // Code elsewhere in the process (here: a test of the exposition) can create a meter of ASP.NET Core's
        // name by hand; ASP.NET Core itself always creates it through the host's factory.
        await using var harness = new EmfHarness();
        var reader = harness.Aggregation.AddIntervalReader();
        using var stray = new Meter(PulseMetrics.AspNetCoreHostingMeterName);
        var strayDuration = stray.CreateHistogram<double>(HttpTags.ServerRequestDuration, "s");

        strayDuration.Record(0.5, new TagList { { HttpTags.Method, "GET" }, { HttpTags.Route, "/stray" }, { HttpTags.StatusCode, 200 } });
        harness.Record(0.25, "/ours", 200);

        Assert.Equal("/ours", Assert.Single(reader.Collect()).Route);
    }

    [Fact]
    public async Task SizesAndDurationsOfOneRequestLandInOneSeries()
    {
        await using var harness = new EmfHarness();

        harness.Record(0.25, "/a", 201, method: "POST");
        harness.Aggregation.RecordSizes("POST", "/a", 201, requestBytes: 120, responseBytes: 4000);

        var series = Assert.Single(harness.Aggregation.Snapshot());
        Assert.Equal(("POST", "/a", 201, 1L, 1L), (series.Method, series.Route, series.StatusCode, series.Count, series.SizeCount));
        Assert.Equal((120L, 4000L), (series.RequestSizeSum, series.ResponseSizeSum));
        Assert.Equal(1, series.RequestSizeCounts[1]);
        Assert.Equal(1, series.ResponseSizeCounts[3]);
        Assert.Equal(1, series.DurationCounts[5]);
    }
}
