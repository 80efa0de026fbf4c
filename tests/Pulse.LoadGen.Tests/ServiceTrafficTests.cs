using System.Text.Json;
using Pulse.Testing;

namespace Pulse.LoadGen.Tests;

/// <summary>One service for every test that sends it traffic; they run one at a time so counter deltas are theirs alone.</summary>
[CollectionDefinition(Name)]
public sealed class SharedService : ICollectionFixture<PulseService>
{
    public const string Name = "service";
}

/// <summary>The load generator against the real service on loopback: what it reports is what the service counted.</summary>
[Collection(SharedService.Name)]
public sealed class ServiceTrafficTests(PulseService service)
{
    private string Url => service.Address.AbsoluteUri;

    [Fact]
    public async Task ClosedLoopSeedCountsPerEndpointEqualTheServicesRequestCounter()
    {
        var before = await service.RequestCountersAsync();
        var json = LoadGen.TempJsonPath();

        var result = await LoadGen.RunAsync("--url", Url, "--scenario", "seed", "--duration", "2s", "--concurrency", "4", "--json", json);

        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = LoadGen.ReadSummary(json);
        Assert.Equal(["GET /", "GET /Welcome", "GET /error"], Endpoints(summary));
        await AssertServiceCountedTheSameAsync(before, summary);
    }

    [Fact]
    public async Task OpenLoopSeedSendsExactlyRateTimesDurationRequestsInTheSeedsProportions()
    {
        var before = await service.RequestCountersAsync();
        var json = LoadGen.TempJsonPath();

        var result = await LoadGen.RunAsync("--url", Url, "--scenario", "seed", "--rps", "300", "--duration", "2s", "--json", json);

        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = LoadGen.ReadSummary(json);
        Assert.Equal("open-loop", summary.GetProperty("mode").GetString());
        // 600 requests = 19 blocks of 31 (15 x "/" and "/Welcome", then "/error") + 11 more.
        Assert.Equal(600, summary.GetProperty("overall").GetProperty("count").GetInt64());
        Assert.Equal(291, Count(summary, "GET", "/"));
        Assert.Equal(290, Count(summary, "GET", "/Welcome"));
        Assert.Equal(19, Count(summary, "GET", "/error"));
        Assert.True(summary.TryGetProperty("scheduleLagMs", out _), "open-loop summaries report the schedule lag");
        await AssertServiceCountedTheSameAsync(before, summary);
    }

    [Fact]
    public async Task ErrorBurstSendsTenIntendedErrorsStopsAndExitsWithCode0()
    {
        var before = await service.RequestCountersAsync();
        var json = LoadGen.TempJsonPath();

        var result = await LoadGen.RunAsync("--url", Url, "--scenario", "error-burst", "--json", json);

        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = LoadGen.ReadSummary(json);
        Assert.Equal("scenario-complete", summary.GetProperty("stoppedBy").GetString());
        var overall = summary.GetProperty("overall");
        Assert.Equal(10, overall.GetProperty("count").GetInt64());
        Assert.Equal(10, overall.GetProperty("httpErrors").GetInt64());
        Assert.Equal(0, overall.GetProperty("unexpected").GetInt64());
        Assert.Equal(10, overall.GetProperty("statusCodes").GetProperty("500").GetInt64());
        await AssertServiceCountedTheSameAsync(before, summary);
    }

    [Fact]
    public async Task MoreUnexpectedOutcomesThanTheMaximumErrorRateExitWithCode1()
    {
        // Under this prefix every route is unknown (404), which no scenario expects; the probe still gets an answer.
        var result = await LoadGen.RunAsync("--url", Url + "no-such-prefix/", "--scenario", "root", "--duration", "1s", "--concurrency", "2", "--max-error-rate", "0.5");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("GET /: expected 200, got 404", result.Output, StringComparison.Ordinal);
        Assert.Contains("limit 50.00%: exit code 1", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtrlCStopsTheRunCleanlyAndStillPrintsTheSummary()
    {
        var before = await service.RequestCountersAsync();
        var json = LoadGen.TempJsonPath();

        var result = await LoadGen.InterruptAsync(
            sent: 50,
            "--url", Url, "--scenario", "seed", "--duration", "1h", "--concurrency", "2", "--json", json);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Interrupted: waiting for", result.Output, StringComparison.Ordinal);
        Assert.Contains("(stopped by interrupt)", result.Output, StringComparison.Ordinal);
        var summary = LoadGen.ReadSummary(json);
        Assert.Equal("interrupt", summary.GetProperty("stoppedBy").GetString());
        Assert.Equal(0, summary.GetProperty("overall").GetProperty("cancelled").GetInt64());
        await AssertServiceCountedTheSameAsync(before, summary);
    }

    [Fact]
    public async Task ThePlainOutputShowsProgressLinesAndTheSummaryTables()
    {
        var result = await LoadGen.RunAsync("--url", Url, "--scenario", "root", "--duration", "1s", "--rps", "50");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("sent ", result.Output, StringComparison.Ordinal);
        Assert.Contains("p95 ", result.Output, StringComparison.Ordinal);
        Assert.Contains("| GET /  ", result.Output, StringComparison.Ordinal);
        Assert.Contains("Latency (ms)", result.Output, StringComparison.Ordinal);
        Assert.Contains("Unexpected outcomes: 0 of 50 (0.00%)", result.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// For every endpoint of the summary, the service's <c>http_requests_total</c> grew by exactly the summary's
    /// count, per status code. The service records a request after its response is sent, so the last few may
    /// land a moment after the generator has read them: wait (with a limit) for the total, then compare.
    /// </summary>
    internal async Task AssertServiceCountedTheSameAsync(IReadOnlyList<Sample> before, JsonElement summary)
    {
        var endpoints = summary.GetProperty("endpoints").EnumerateArray().ToList();
        var total = summary.GetProperty("overall").GetProperty("count").GetInt64();
        Assert.True(total > 0, "the run sent nothing");
        IReadOnlyList<Sample> after = [];
        try
        {
            await Wait.UntilAsync(
                async () =>
                {
                    after = await service.RequestCountersAsync();
                    return endpoints.Sum(e => Delta(before, after, e.GetProperty("method").GetString()!, e.GetProperty("endpoint").GetString()!)) >= total;
                },
                TimeSpan.FromSeconds(10),
                $"the service to count {total} requests");
        }
        catch (TimeoutException)
        {
            // Compare anyway: the per-endpoint message below says which label differs.
        }

        var serviceSide = string.Join(", ", after
            .GroupBy(a => $"{a.Labels["method"]} {a.Labels["endpoint"]}")
            .Select(g => $"{g.Key}: {g.Sum(a => a.Value) - before.Where(b => $"{b.Labels["method"]} {b.Labels["endpoint"]}" == g.Key).Sum(b => b.Value)}")
            .Where(line => !line.EndsWith(": 0", StringComparison.Ordinal)));
        foreach (var endpoint in endpoints)
        {
            var method = endpoint.GetProperty("method").GetString()!;
            var route = endpoint.GetProperty("endpoint").GetString()!;
            var counted = Delta(before, after, method, route);
            Assert.True(
                endpoint.GetProperty("count").GetInt64() == counted,
                $"{method} {route}: generator {endpoint.GetProperty("count").GetInt64()}, service {counted} (the service counted {serviceSide})");
            foreach (var status in endpoint.GetProperty("statusCodes").EnumerateObject())
            {
                Assert.True(
                    status.Value.GetInt64() == Delta(before, after, method, route, status.Name),
                    $"{method} {route} {status.Name}: generator {status.Value.GetInt64()}, service {Delta(before, after, method, route, status.Name)}");
            }
        }
    }

    internal static long Delta(IReadOnlyList<Sample> before, IReadOnlyList<Sample> after, string method, string route, string? status = null)
    {
        (string, string)[] labels = status is null
            ? [("method", method), ("endpoint", route)]
            : [("method", method), ("endpoint", route), ("status_code", status)];
        return (long)(PrometheusText.Sum(after, "http_requests_total", labels) - PrometheusText.Sum(before, "http_requests_total", labels));
    }

    internal static List<string> Endpoints(JsonElement summary) =>
        [.. summary.GetProperty("endpoints").EnumerateArray().Select(e => $"{e.GetProperty("method").GetString()} {e.GetProperty("endpoint").GetString()}")];

    internal static long Count(JsonElement summary, string method, string route) =>
        summary.GetProperty("endpoints").EnumerateArray()
            .Single(e => e.GetProperty("method").GetString() == method && e.GetProperty("endpoint").GetString() == route)
            .GetProperty("count").GetInt64();
}
