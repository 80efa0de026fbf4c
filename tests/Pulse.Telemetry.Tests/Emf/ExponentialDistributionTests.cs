using Pulse.Telemetry.Formats.Emf;
using Pulse.Telemetry.Schema;
using Pulse.Testing.Emf;

namespace Pulse.Telemetry.Tests.Emf;

public sealed class ExponentialDistributionTests
{
    [Fact]
    public async Task ChunksHoldAtMostOneHundredValuesAndTogetherGiveTheExactCountSumMinAndMax()
    {
        var durations = LogNormalSeconds(count: 20_000, seed: 1);
        var distribution = await AggregateAsync(durations);

        var chunks = distribution.ToChunks(ExponentialDistribution.MillisecondsPerSecond);

        Assert.True(chunks.Count > 1, $"Expected the {distribution.NonEmptyBucketCount} buckets to need several objects.");
        Assert.All(chunks, c =>
        {
            Assert.InRange(c.Values.Length, 1, 100);
            Assert.Equal(c.Values.Length, c.Counts.Length);
            Assert.Equal(c.Counts.Sum(), c.Count);
            Assert.All(c.Values, v => Assert.InRange(v, c.Min, c.Max));
        });
        Assert.Equal(durations.Length, chunks.Sum(c => c.Count));
        Assert.Equal(durations.Max() * 1000, chunks[0].Max);
        Assert.Equal(durations.Min() * 1000, chunks[^1].Min);
        Assert.Equal(durations.Max() * 1000, chunks.Max(c => c.Max));
        Assert.Equal(durations.Min() * 1000, chunks.Min(c => c.Min));
        Assert.Equal(distribution.Sum * 1000, chunks.Sum(c => c.Sum));
        Assert.All(chunks.Skip(1), c => Assert.Equal(0, c.Sum));
        Assert.Equal(durations.Sum() * 1000, chunks[0].Sum, 1e-9 * chunks[0].Sum);
    }

    [Theory]
    [InlineData(50)]
    [InlineData(90)]
    [InlineData(99)]
    [InlineData(99.9)]
    public async Task PercentilesFromValuesAndCountsAreWithinTwoPercentOverAWideRange(double percent)
    {
        // Log-normal around 20 ms with a long tail: from well under a millisecond to several seconds.
        var durations = LogNormalSeconds(count: 50_000, seed: 2);
        var chunks = (await AggregateAsync(durations)).ToChunks(ExponentialDistribution.MillisecondsPerSecond);

        var estimate = EmfStatistics.PercentileOf(chunks.SelectMany(c => c.Values.Zip(c.Counts, (v, n) => (v, n))), percent);
        var exact = EmfStatistics.PercentileOf(durations.Select(d => (d * 1000, 1L)), percent);

        Assert.InRange(Math.Abs(estimate - exact) / exact, 0, 0.02);
    }

    [Fact]
    public void MergingAFinerHistogramDownscalesItToTheCoarserOne()
    {
        // At scale 5 buckets 64..95 cover (2^2, 2^3]; at scale 3 the same values are buckets 16..23.
        var fine = ExponentialDistribution.FromBuckets(5, new Dictionary<int, long> { [64] = 1, [65] = 2, [95] = 3 }, zeroCount: 1, sum: 30, min: 0, max: 8);
        var coarse = ExponentialDistribution.FromBuckets(3, new Dictionary<int, long> { [16] = 4, [23] = 5 }, zeroCount: 0, sum: 50, min: 4.1, max: 7.9);

        var merged = new ExponentialDistribution();
        merged.Merge(fine);
        merged.Merge(coarse);

        Assert.Equal(3, merged.Scale);
        Assert.Equal((16L, 1L, 80.0, 0.0, 8.0), (merged.Count, merged.ZeroCount, merged.Sum, merged.Min, merged.Max));
        var chunk = Assert.Single(merged.ToChunks(ExponentialDistribution.MillisecondsPerSecond));
        Assert.Equal([8L, 7L, 1L], chunk.Counts);
        Assert.Equal(0, chunk.Values[^1]);
    }

    [Fact]
    public void BucketValuesAreMidpointsKeptWithinTheRecordedMinAndMax()
    {
        // Scale 0: bucket 2 is (4, 8], midpoint 6; bucket 0 is (1, 2], midpoint 1.5 (in seconds).
        var distribution = ExponentialDistribution.FromBuckets(0, new Dictionary<int, long> { [0] = 1, [2] = 1 }, zeroCount: 0, sum: 6.5, min: 1.75, max: 4.75);

        var chunk = Assert.Single(distribution.ToChunks(ExponentialDistribution.MillisecondsPerSecond));

        Assert.Equal([4750.0, 1750.0], chunk.Values);
    }

    [Fact]
    public void BucketValuesAreWrittenWithSixSignificantDigitsInMilliseconds()
    {
        // Scale 5, buckets around 0.73 ms and 14.5 ms: their midpoints in seconds, rounded to 6 digits and then
        // multiplied by 1000, would be written 0.7290019999999999 and 14.485100000000001.
        var distribution = ExponentialDistribution.FromBuckets(5, new Dictionary<int, long> { [-334] = 1, [-196] = 1 }, zeroCount: 0, sum: 0.0152, min: 0.0001, max: 1);
        var writer = new PulseEmfDocuments("Pulse/App", "pulse-api", []);

        var line = writer.WriteService(
            1_700_000_040_000, new RequestTotals(2, 0, 0), activeRequests: 1,
            EmfValue.Distribution(Assert.Single(distribution.ToChunks(ExponentialDistribution.MillisecondsPerSecond))));

        Assert.Contains(""""RequestLatencyMs":{"Values":[14.4851,0.729002],"Counts":[1,1],"Max":1000,"Min":0.1,"Count":2,"Sum":15.2}"""", line, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainValuesAreEveryRequestWhenThereAreAtMostOneHundred()
    {
        var distribution = ExponentialDistribution.FromBuckets(0, new Dictionary<int, long> { [0] = 2, [2] = 3 }, zeroCount: 1, sum: 25, min: 0, max: 8);

        var values = distribution.ToPlainValues(ExponentialDistribution.MillisecondsPerSecond);

        Assert.Equal([0.0, 1500, 1500, 6000, 6000, 6000], values);
    }

    [Fact]
    public async Task PlainValuesAreOneHundredValuesSpreadOverTheRanksOtherwise()
    {
        var durations = LogNormalSeconds(count: 10_000, seed: 3);
        var values = (await AggregateAsync(durations)).ToPlainValues(ExponentialDistribution.MillisecondsPerSecond);

        Assert.Equal(100, values.Length);
        var exactMedian = EmfStatistics.PercentileOf(durations.Select(d => (d * 1000, 1L)), 50);
        var median = EmfStatistics.PercentileOf(values.Select(v => (v, 1L)), 50);

        // One percentile point of rank plus half a bucket.
        var exactNeighbours = (EmfStatistics.PercentileOf(durations.Select(d => (d * 1000, 1L)), 49), EmfStatistics.PercentileOf(durations.Select(d => (d * 1000, 1L)), 51));
        Assert.InRange(median, exactNeighbours.Item1 * 0.98, exactNeighbours.Item2 * 1.02);
        Assert.InRange(exactMedian, exactNeighbours.Item1, exactNeighbours.Item2);
    }

    internal static double[] LogNormalSeconds(int count, int seed)
    {
        var random = new Random(seed);
        var result = new double[count];
        for (var i = 0; i < count; i++)
        {
            // Box-Muller: a normal variate, then e^(ln 0.02 + 1.2 z) seconds.
            var z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            result[i] = Math.Exp(Math.Log(0.02) + (1.2 * z));
        }

        return result;
    }

    private static async Task<ExponentialDistribution> AggregateAsync(double[] durations)
    {
        await using var harness = new EmfHarness();
        var reader = harness.Aggregation.AddIntervalReader();
        foreach (var duration in durations)
        {
            harness.Record(duration, "/x", 200);
        }

        var h = Assert.Single(reader.Collect());
        return ExponentialDistribution.FromBuckets(h.Scale, h.Offset, h.Counts, h.ZeroCount, h.Sum, h.Min, h.Max);
    }
}
