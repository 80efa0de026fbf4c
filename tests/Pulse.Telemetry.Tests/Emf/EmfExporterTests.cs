using System.Text.Json;
using Pulse.Testing;
using Pulse.Testing.Emf;

namespace Pulse.Telemetry.Tests.Emf;

public sealed class EmfExporterTests
{
    private static readonly string[] ServiceSet = [EmfMetrics.Dimensions.Service];
    private static readonly string[] EndpointSet = [EmfMetrics.Dimensions.Service, EmfMetrics.Dimensions.Endpoint];

    [RequiresToolsFact("node", "npm")]
    public async Task BothModesOnTheSameTrafficAgreeAndPercentilesAreWithinTwoPercent()
    {
        await using var harness = new EmfHarness();
        await harness.StartAsync(EmfMode.Aggregated);
        await harness.StartAsync(EmfMode.PerRequest);
        var start = DateTimeOffset.UtcNow;

        // Enough spread to need several Values/Counts objects per metric, over routes, no route and error codes.
        var durations = ExponentialDistributionTests.LogNormalSeconds(count: 6_000, seed: 7);
        (string? Route, int Status)[] kinds = [("/", 200), ("/Welcome", 200), ("/Welcome", 400), ("/error", 500), (null, 404), ("/products/{id}", 200)];
        for (var i = 0; i < durations.Length; i++)
        {
            var (route, status) = kinds[i % kinds.Length];
            harness.Record(durations[i], route, status, requestId: $"r{i}", traceId: $"{i:x32}");
        }

        var lines = await harness.StopAsync();
        var documents = EmfStatistics.Parse(lines);
        var perRequest = documents.Where(d => d.TryGetProperty(EmfMetrics.Properties.RequestId, out _)).ToList();
        var aggregated = documents.Except(perRequest).ToList();

        Assert.Equal(durations.Length, perRequest.Count);
        Assert.True(aggregated.Count > 1 + kinds.Length, $"Expected split documents, got {aggregated.Count}.");
        EmfStatistics.AssertSameDistributions(perRequest, aggregated, EmfMetrics.Names.RequestLatencyMs, ServiceSet, EndpointSet);

        foreach (var (metric, set) in new[]
        {
            (EmfMetrics.Names.RequestCount, ServiceSet), (EmfMetrics.Names.ErrorCount, ServiceSet), (EmfMetrics.Names.ServerErrorCount, ServiceSet),
            (EmfMetrics.Names.EndpointInvocations, EndpointSet), (EmfMetrics.Names.ErrorCount, EndpointSet),
        })
        {
            Assert.Equal(EmfStatistics.Sums(perRequest, metric, set), EmfStatistics.Sums(aggregated, metric, set));
        }

        Assert.Equal(durations.Length, EmfStatistics.Sums(aggregated, EmfMetrics.Names.RequestCount, ServiceSet).Single().Value);
        Assert.Contains(PulseMetrics.UnmatchedEndpoint, EmfStatistics.Sums(aggregated, EmfMetrics.Names.EndpointInvocations, EndpointSet).Keys.Select(k => k.Split('|')[1]));
        AssertRules(lines, start);
        await EmfSchema.AssertValidAsync(lines);
    }

    [Fact]
    public async Task EveryMetricAndDimensionSetWrittenIsOneEmfMetricsDeclaresAndEveryDeclaredOneIsWritten()
    {
        await using var harness = new EmfHarness();
        await harness.StartAsync(EmfMode.Aggregated);
        await harness.StartAsync(EmfMode.PerRequest);
        harness.Record(0.01, "/", 200);
        harness.Record(0.02, "/error", 500);

        var written = new HashSet<(string Metric, string Set)>();
        foreach (var document in EmfStatistics.Parse(await harness.StopAsync()))
        {
            foreach (var directive in document.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray())
            {
                foreach (var set in directive.GetProperty("Dimensions").EnumerateArray())
                {
                    var keys = set.EnumerateArray().Select(k => k.GetString()!).ToArray();
                    foreach (var metric in directive.GetProperty("Metrics").EnumerateArray())
                    {
                        var name = metric.GetProperty("Name").GetString()!;
                        Assert.True(EmfMetrics.IsEmitted(name, keys), $"{name} at [{string.Join(", ", keys)}] is not in EmfMetrics.Emitted.");
                        Assert.Equal(EmfMetrics.Emitted.First(m => m.Name == name).Unit, metric.GetProperty("Unit").GetString());
                        written.Add((name, string.Join(',', keys.Order())));
                    }
                }
            }
        }

        Assert.All(EmfMetrics.Emitted, m => Assert.Contains((m.Name, string.Join(',', m.Dimensions.Order())), written));
    }

    [RequiresToolsTheory("node", "npm")]
    [InlineData(EmfLatencyFormat.Values)]
    [InlineData(EmfLatencyFormat.StatisticSet)]
    public async Task TheFallbackFormatsKeepCountsExactAndWriteOnlyTheirOwnForm(EmfLatencyFormat format)
    {
        await using var harness = new EmfHarness(emf => emf.LatencyFormat = format);
        await harness.StartAsync(EmfMode.Aggregated);
        var start = DateTimeOffset.UtcNow;
        var durations = ExponentialDistributionTests.LogNormalSeconds(count: 3_000, seed: 11);
        foreach (var duration in durations)
        {
            harness.Record(duration, "/", 200);
        }

        var lines = await harness.StopAsync();
        var documents = EmfStatistics.Parse(lines);

        // One document per dimension combination: no split is needed in these forms.
        Assert.Equal(2, documents.Count);
        var latency = documents.Select(d => d.GetProperty(EmfMetrics.Names.RequestLatencyMs)).ToList();
        if (format == EmfLatencyFormat.Values)
        {
            Assert.All(latency, l => Assert.Equal((JsonValueKind.Array, 100), (l.ValueKind, l.GetArrayLength())));
            var median = EmfStatistics.PercentileOf(latency[0].EnumerateArray().Select(v => (v.GetDouble(), 1L)), 50);
            var exact = EmfStatistics.PercentileOf(durations.Select(d => (d * 1000, 1L)), 50);
            Assert.InRange(median / exact, 0.95, 1.05);
        }
        else
        {
            Assert.All(latency, l => Assert.Equal(["Max", "Min", "Count", "Sum"], l.EnumerateObject().Select(p => p.Name)));
            Assert.All(latency, l => Assert.Equal(durations.Length, l.GetProperty("Count").GetInt64()));
            Assert.All(latency, l => Assert.Equal(durations.Max() * 1000, l.GetProperty("Max").GetDouble()));
        }

        Assert.Equal(durations.Length, EmfStatistics.Sums(documents, EmfMetrics.Names.RequestCount, ServiceSet).Single().Value);
        AssertRules(lines, start);
        await EmfSchema.AssertValidAsync(lines);
    }

    [Fact]
    public async Task AnIdleIntervalStillReportsZeroRequestsAndThePeakInFlight()
    {
        await using var harness = new EmfHarness();
        await harness.StartAsync(EmfMode.Aggregated);
        harness.InFlight.Enter();
        harness.InFlight.Enter();
        harness.InFlight.Leave();

        var document = Assert.Single(EmfStatistics.Parse(await harness.StopAsync()));

        Assert.Equal(0, document.GetProperty(EmfMetrics.Names.RequestCount).GetInt32());
        Assert.Equal(0, document.GetProperty(EmfMetrics.Names.ErrorCount).GetInt32());
        Assert.Equal(2, document.GetProperty(EmfMetrics.Names.ActiveRequests).GetInt32());
        Assert.False(document.TryGetProperty(EmfMetrics.Names.RequestLatencyMs, out _));
    }

    [Fact]
    public async Task FlushesFollowTheWallClockAndStampTheStartOfTheirInterval()
    {
        await using var harness = new EmfHarness(emf => emf.FlushInterval = TimeSpan.FromSeconds(1));
        var exporter = await harness.StartAsync(EmfMode.Aggregated);
        harness.Record(0.01, "/", 200);

        await Wait.UntilAsync(() => harness.Writer.Lines.Count >= 3, TimeSpan.FromSeconds(10), "three interval flushes");
        var flushedAt = DateTimeOffset.UtcNow;

        var timestamps = harness.Writer.Lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("_aws").GetProperty("Timestamp").GetInt64()).ToList();
        Assert.All(timestamps, t => Assert.Equal(0, t % 1000));
        Assert.All(timestamps, t => Assert.InRange(t, flushedAt.AddSeconds(-10).ToUnixTimeMilliseconds(), flushedAt.ToUnixTimeMilliseconds()));
        var serviceStamps = harness.Writer.Lines.Where(l => !l.Contains("\"Endpoint\"", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("_aws").GetProperty("Timestamp").GetInt64()).ToList();
        // One document per interval, in order. An interval whose boundary passes while the flush loop is held up (a
        // loaded machine can hold it for a whole second) is written with the next one, under the next one's stamp:
        // stamps then step by a whole number of intervals, never by less and never out of place.
        Assert.All(serviceStamps.Zip(serviceStamps.Skip(1)), pair =>
        {
            Assert.True(pair.Second > pair.First, $"stamp {pair.Second} follows {pair.First}");
            Assert.Equal(0, (pair.Second - pair.First) % 1000);
        });
        await exporter.StopAsync(CancellationToken.None);
    }

    private static void AssertRules(IEnumerable<string> lines, DateTimeOffset start)
    {
        var now = DateTimeOffset.UtcNow;

        // Aggregated documents carry their interval's start (the minute of the start, or later); per-request ones the moment.
        var window = (start.AddMinutes(-1), now.AddSeconds(1));
        Assert.All(lines, line => Assert.Empty(EmfRules.Check(line, now, window)));
    }
}
