using System.Diagnostics;
using Pulse.LoadGen.Engine;
using Pulse.LoadGen.Measurement;
using Pulse.LoadGen.Scenarios;

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
        Assert.Equal(["GET /", "GET /Welcome", "GET /error"], LoadGen.Endpoints(summary));
        await service.AssertCountedAsync(before, summary);
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
        Assert.Equal(291, LoadGen.Count(summary, "GET", "/"));
        Assert.Equal(290, LoadGen.Count(summary, "GET", "/Welcome"));
        Assert.Equal(19, LoadGen.Count(summary, "GET", "/error"));
        Assert.True(summary.TryGetProperty("scheduleLagMs", out _), "open-loop summaries report the schedule lag");
        await service.AssertCountedAsync(before, summary);
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
        await service.AssertCountedAsync(before, summary);
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
        await service.AssertCountedAsync(before, summary);
    }

    [Fact]
    public async Task AnAnswerWithAFieldOfTheWrongTypeIsRecordedAsUnexpected()
    {
        var stats = new RunStats([new EndpointKey("GET", "/")]);
        using var control = new RunControl();
        using var driver = new HttpDriver(stats, TimeSpan.FromSeconds(10), maxConnections: 1, control.Aborted);

        // GET / answers {"message":"Hello, World!"}; a check that reads the message as a number throws.
        var step = await CrudFlow.StepAsync(
            new FlowContext(driver, control), endpoint: 0, new HttpRequestMessage(HttpMethod.Get, service.Address), Stopwatch.GetTimestamp(), 200,
            (_, body) => body.GetProperty("message").GetInt64() > 0 ? null : "not positive");

        Assert.False(step.Ok);
        Assert.Equal((1, 1), (stats.Endpoints[0].Count, stats.Endpoints[0].Unexpected));
        Assert.Equal("GET /: a field is missing or of the wrong JSON type", Assert.Single(stats.FailureSamples()).Key);
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
}
