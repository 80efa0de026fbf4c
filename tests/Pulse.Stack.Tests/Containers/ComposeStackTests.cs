using System.Globalization;
using System.Text.Json;
using Pulse.Testing;

namespace Pulse.Stack.Tests.Containers;

/// <summary>
/// The repository's compose.yaml brought up on the engine (Grafana and Jaeger left out, nothing else changed), followed from
/// <c>up</c> to <c>down -v</c>: the steps run in order on one stack.
/// </summary>
[Collection(ContainerChecks.Name)]
[Trait("Category", ContainerEngine.Category)]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed class ComposeStackTests(ComposeProject stack) : IClassFixture<ComposeProject>
{
    /// <summary>The image's HEALTHCHECK runs every 30 s after a 15 s start period: two intervals and some.</summary>
    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(150);

    /// <summary>Prometheus scrapes and evaluates every 15 s (deploy/prometheus/prometheus.yml).</summary>
    private static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(90);

    private static string? Attribute(JsonElement @event, string name) =>
        @event.GetProperty("Actor").GetProperty("Attributes").TryGetProperty(name, out var value) ? value.GetString() : null;

    private static long? FirstEvent(IEnumerable<JsonElement> events, string service, string action) =>
        events.Where(e => e.GetProperty("Type").GetString() == "container" && Attribute(e, "com.docker.compose.service") == service
                && e.GetProperty("Action").GetString() == action)
            .Select(e => (long?)e.GetProperty("timeNano").GetInt64())
            .FirstOrDefault();

    private async Task<JsonElement> PrometheusApiAsync(string path)
    {
        var body = await stack.Prometheus.GetFromJsonAsync<JsonElement>(path);
        Assert.Equal("success", body.GetProperty("status").GetString());
        return body.GetProperty("data");
    }

    [ContainerFact]
    [Step(1)]
    public async Task TheServiceStartsOnlyOncePostgresIsHealthyAndThenBecomesHealthyItself()
    {
        var api = await stack.ContainerAsync("pulse-api");
        await Wait.UntilAsync(
            async () => await ContainerEngine.CheckedAsync(["inspect", "--format", "{{.State.Health.Status}}", api]) == "healthy",
            HealthyTimeout, "Docker to report pulse-api healthy", TimeSpan.FromSeconds(1));

        var events = stack.Events;
        var postgresHealthy = FirstEvent(events, "postgres", "health_status: healthy");
        var apiStarted = FirstEvent(events, "pulse-api", "start");
        Assert.True(postgresHealthy is not null && apiStarted is not null, $"Missing events; up printed:\n{stack.Up}");
        Assert.True(postgresHealthy <= apiStarted, $"pulse-api started {(postgresHealthy - apiStarted) / 1e6:0} ms before postgres was healthy.");
        Assert.NotNull(FirstEvent(events, "pulse-api", "health_status: healthy"));
        Assert.Null(FirstEvent(events, "grafana", "start"));
        Assert.Null(FirstEvent(events, "jaeger", "start"));
    }

    [ContainerFact]
    [Step(2)]
    public async Task PrometheusScrapesTheServiceByItsComposeNameAndLoadsTheRepositorysRules()
    {
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["pulse-api"] = "http://pulse-api:8080/metrics",
            ["node"] = "http://node-exporter:9100/metrics",
        };
        await WaitOrFailAsync(
            async () =>
            {
                var targets = (await PrometheusApiAsync("api/v1/targets")).GetProperty("activeTargets").EnumerateArray().ToList();
                var down = expected.Where(job => !targets.Any(t =>
                    t.GetProperty("labels").GetProperty("job").GetString() == job.Key && t.GetProperty("scrapeUrl").GetString() == job.Value
                    && t.GetProperty("health").GetString() == "up"));
                return down.Any() ? $"targets: {string.Join('\n', targets)}" : null;
            },
            "both targets to be up at their compose names");

        var loaded = (await PrometheusApiAsync("api/v1/rules")).GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
        var names = loaded.Select(r => r.GetProperty("name").GetString()!).Order(StringComparer.Ordinal);
        var repository = PrometheusRulesTests.Rules().Select(r => r.Rule.Text("alert") ?? r.Rule.Text("record")!).Order(StringComparer.Ordinal);
        Assert.Equal(repository, names);
        Assert.DoesNotContain(loaded, r => r.GetProperty("health").GetString() == "err");
    }

    [ContainerFact]
    [Step(3)]
    public async Task RequestsToTheServiceShowUpInPrometheus()
    {
        const int requests = 5;
        for (var i = 0; i < requests; i++)
        {
            var welcome = await stack.Service.GetFromJsonAsync<JsonElement>($"Welcome?name=Compose{i}");
            Assert.Equal($"Welcome Compose{i}!", welcome.GetProperty("message").GetString());
        }

        var query = Uri.EscapeDataString("""sum(http_requests_total{job="pulse-api",endpoint="/Welcome",status_code="200"})""");
        await WaitOrFailAsync(
            async () =>
            {
                var result = (await PrometheusApiAsync($"api/v1/query?query={query}")).GetProperty("result");
                var seen = result.GetArrayLength() == 1 ? result[0].GetProperty("value")[1].GetString() : "no series";
                return seen == requests.ToString(CultureInfo.InvariantCulture) ? null : $"Prometheus counts {seen}";
            },
            $"Prometheus to count the {requests} requests to /Welcome");
    }

    /// <summary>Polls until <paramref name="problem"/> reports none; on timeout fails with the last one.</summary>
    private static async Task WaitOrFailAsync(Func<Task<string?>> problem, string what)
    {
        string? last = null;
        try
        {
            await Wait.UntilAsync(async () => (last = await problem()) is null, ScrapeTimeout, what, TimeSpan.FromSeconds(1));
        }
        catch (TimeoutException ex)
        {
            Assert.Fail($"{ex.Message}\nLast seen: {last}");
        }
    }

    [ContainerFact]
    [Step(4)]
    public async Task DownWithVolumesLeavesNothingOfTheStackBehind()
    {
        var down = await stack.DownAsync();
        Assert.True(down.ExitCode == 0, down.ToString());

        var label = $"label=com.docker.compose.project={stack.Project}";
        Assert.Equal(string.Empty, await ContainerEngine.CheckedAsync(["ps", "--all", "--quiet", "--filter", label]));
        Assert.Equal(string.Empty, await ContainerEngine.CheckedAsync(["network", "ls", "--quiet", "--filter", label]));
        Assert.Equal(string.Empty, await ContainerEngine.CheckedAsync(["volume", "ls", "--quiet", "--filter", label]));
        Assert.Equal(string.Empty, await ContainerEngine.CheckedAsync(["ps", "--all", "--quiet", "--filter", $"name={stack.Project}"]));
        Assert.Equal(string.Empty, await ContainerEngine.CheckedAsync(["volume", "ls", "--quiet", "--filter", $"name={stack.Project}"]));
    }
}
