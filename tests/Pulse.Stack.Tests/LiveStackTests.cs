using System.Diagnostics;
using System.Text.Json;
using Pulse.Testing;

namespace Pulse.Stack.Tests;

/// <summary>
/// Every dashboard query and every rule, run against a real Prometheus (Debian's 2.42) that scrapes the running
/// service and node exporter through the repository's own configuration (see <see cref="LoopbackStackFixture"/>).
/// </summary>
public sealed class LiveStackTests(LoopbackStackFixture stack) : IClassFixture<LoopbackStackFixture>
{
    private static readonly TimeSpan DataTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Polls <paramref name="problems"/> until it reports none or the time limit passes, then asserts none are left.</summary>
    private async Task WaitUntilNoProblemsAsync(Func<Task<List<string>>> problems, string what)
    {
        var clock = Stopwatch.StartNew();
        List<string> left;
        while (true)
        {
            stack.EnsureTrafficFlows();
            left = await problems();
            if (left.Count == 0 || clock.Elapsed > DataTimeout)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        Assert.True(left.Count == 0, $"After {clock.Elapsed.TotalSeconds:0} s, {what}:\n{string.Join('\n', left)}");
    }

    /// <summary>Each variable's default selection: "All" becomes its allValue, otherwise its first value.</summary>
    private async Task<Dictionary<string, string>> ResolveVariablesAsync(Dashboard dashboard, List<string> problems)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in dashboard.Variables)
        {
            var (selector, label) = variable.LabelValues();
            var url = $"api/v1/label/{label}/values";
            if (selector is not null)
            {
                url += $"?match[]={Uri.EscapeDataString(Dashboards.Substitute(selector, values))}";
            }

            var options = (await stack.ApiAsync(url)).EnumerateArray().Select(v => v.GetString()!).ToList();
            if (options.Count == 0)
            {
                problems.Add($"{dashboard} / variable {variable.Name}: '{variable.Query}' lists no values");
            }

            values[variable.Name] = variable.DefaultsToAll ? variable.AllValue! : options.FirstOrDefault() ?? string.Empty;
        }

        return values;
    }

    [RequiresToolsFact("prometheus", "prometheus-node-exporter")]
    public async Task PrometheusScrapesTheServiceAndNodeExporterThroughTheRepositorysConfiguration()
    {
        await WaitUntilNoProblemsAsync(
            async () =>
            {
                var targets = (await stack.ApiAsync("api/v1/targets")).GetProperty("activeTargets").EnumerateArray().ToList();
                var expected = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["pulse-api"] = $"http://127.0.0.1:{stack.ServicePort}/metrics",
                    ["node"] = $"http://127.0.0.1:{stack.NodeExporterPort}/metrics",
                };
                var problems = new List<string>();
                foreach (var (job, url) in expected)
                {
                    var target = targets.FirstOrDefault(t => t.GetProperty("labels").GetProperty("job").GetString() == job);
                    if (target.ValueKind != JsonValueKind.Object)
                    {
                        problems.Add($"no target for job {job}");
                    }
                    else if (target.GetProperty("scrapeUrl").GetString() != url || target.GetProperty("health").GetString() != "up")
                    {
                        problems.Add($"{job}: {target.GetProperty("scrapeUrl")} is {target.GetProperty("health")} {target.GetProperty("lastError")}");
                    }
                }

                if (targets.Count != expected.Count)
                {
                    problems.Add($"{targets.Count} targets instead of {expected.Count}");
                }

                return problems;
            },
            "the scrape targets are not all up");
    }

    [RequiresToolsFact("prometheus", "prometheus-node-exporter")]
    public async Task EveryDashboardVariableListsValuesFromTheLiveServer()
    {
        await WaitUntilNoProblemsAsync(
            async () =>
            {
                var problems = new List<string>();
                foreach (var dashboard in Dashboards.LoadAll())
                {
                    await ResolveVariablesAsync(dashboard, problems);
                }

                return problems;
            },
            "some dashboard variables list no values");
    }

    [RequiresToolsFact("prometheus", "prometheus-node-exporter")]
    public async Task EveryDashboardQueryParsesAndEveryPanelReturnsDataWhileTheServiceServesTrafficWithErrors()
    {
        var dashboards = Dashboards.LoadAll();
        var targetCount = dashboards.Sum(d => d.Panels.Sum(p => p.Targets.Count));
        Assert.True(targetCount >= 30, $"only {targetCount} queries found: did the dashboards' format change?");

        await WaitUntilNoProblemsAsync(
            async () =>
            {
                var problems = new List<string>();
                foreach (var dashboard in dashboards)
                {
                    var variables = await ResolveVariablesAsync(dashboard, problems);
                    foreach (var panel in dashboard.Panels.Where(p => !p.IsRow))
                    {
                        foreach (var target in panel.Targets)
                        {
                            var answer = await stack.QueryAsync(Dashboards.Substitute(target.Expression, variables));

                            // A query Prometheus cannot parse never gets better: fail at once.
                            Assert.True(answer.Error is null, $"{dashboard} / {panel.Title} / {target.RefId}: {answer.Error}\n{answer.Query}");
                            if (!answer.HasFiniteValue)
                            {
                                problems.Add($"{dashboard} / {panel.Title} / {target.RefId}: {answer.Values.Count} series, none with a number: {answer.Query}");
                            }
                        }
                    }
                }

                return problems;
            },
            "some panels show no data");
    }

    [RequiresToolsFact("prometheus", "prometheus-node-exporter")]
    public async Task EveryPanelThatShowsExemplarsFindsThoseOfTheSampledRequests()
    {
        var panels = Dashboards.LoadAll()
            .SelectMany(d => d.Panels.SelectMany(p => p.Targets.Where(t => t.Exemplar).Select(t => (Dashboard: d, Panel: p, Target: t))))
            .ToList();
        Assert.NotEmpty(panels);

        await WaitUntilNoProblemsAsync(
            async () =>
            {
                var problems = new List<string>();
                foreach (var (dashboard, panel, target) in panels)
                {
                    var variables = await ResolveVariablesAsync(dashboard, problems);
                    var end = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                    var query = Uri.EscapeDataString(Dashboards.Substitute(target.Expression, variables));
                    var series = await stack.ApiAsync($"api/v1/query_exemplars?query={query}&start={end - 600}&end={end}");
                    var traceIds = series.EnumerateArray()
                        .SelectMany(s => s.GetProperty("exemplars").EnumerateArray())
                        .Select(e => e.GetProperty("labels").GetProperty("trace_id").GetString()!)
                        .ToList();
                    var sampled = stack.SampledTraceIds.ToHashSet(StringComparer.Ordinal);
                    if (traceIds.Count == 0)
                    {
                        problems.Add($"{dashboard} / {panel.Title} / {target.RefId}: no exemplars");
                    }

                    problems.AddRange(traceIds.Where(id => !sampled.Contains(id)).Select(id => $"{dashboard} / {panel.Title}: exemplar of trace {id}, which no request had"));
                }

                return problems;
            },
            "some panels that show exemplars find none");
    }

    [RequiresToolsFact("prometheus", "prometheus-node-exporter")]
    public async Task EveryRecordingAndAlertRuleLoadsParsesAndEvaluatesWithoutError()
    {
        var expected = PrometheusRulesTests.Rules().Count();

        await WaitUntilNoProblemsAsync(
            async () =>
            {
                var rules = (await stack.ApiAsync("api/v1/rules")).GetProperty("groups").EnumerateArray()
                    .SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
                var problems = new List<string>();
                if (rules.Count != expected)
                {
                    problems.Add($"Prometheus loaded {rules.Count} rules, the rule files hold {expected}");
                }

                foreach (var rule in rules)
                {
                    var name = rule.GetProperty("name").GetString();
                    if (rule.GetProperty("health").GetString() != "ok")
                    {
                        problems.Add($"{name}: health {rule.GetProperty("health")} {(rule.TryGetProperty("lastError", out var e) ? e.ToString() : string.Empty)}");
                    }

                    var answer = await stack.QueryAsync(rule.GetProperty("query").GetString()!);
                    Assert.True(answer.Error is null, $"{name}: {answer.Error}\n{answer.Query}");
                }

                return problems;
            },
            "some rules are not evaluated or fail");
    }

    [RequiresToolsFact("prometheus", "prometheus-node-exporter")]
    public async Task TheErrorBurstAlertFiresOnTheLiveErrorTraffic()
    {
        // The traffic answers a 400 and a 500 on routed endpoints several times a second: the seed's
        // "at least 5 errors within 2 minutes" holds within a few scrapes, and the alert has no `for`.
        await WaitUntilNoProblemsAsync(
            async () =>
            {
                var firing = await stack.QueryAsync("""ALERTS{alertname="PulseErrorBurst",alertstate="firing",job="pulse-api"}""");
                return firing.Values.Count == 1 ? [] : [$"PulseErrorBurst is not firing ({firing.Error})"];
            },
            "the error burst alert did not fire");
    }
}
