
namespace Pulse.Stack.Tests;

/// <summary>
/// The Grafana provisioning and dashboards read as data. Whether their queries return data is proven against a
/// real Prometheus in <see cref="LiveStackTests"/>.
/// </summary>
public sealed class GrafanaDashboardTests
{
    private static string ProvisionedDataSourceUid()
    {
        var dataSources = Yaml.Load("deploy/grafana/provisioning/datasources/prometheus.yml").Items("datasources").ToList();
        var prometheus = Assert.Single(dataSources);
        Assert.Equal("prometheus", prometheus.Text("type"));
        Assert.Equal("http://prometheus:9090", prometheus.Text("url"));
        return prometheus.Text("uid")!;
    }

    [Fact]
    public void TheProvisionedDataSourceHasAFixedUidThatEveryPanelAndVariableUses()
    {
        var uid = ProvisionedDataSourceUid();

        Assert.Equal("pulse-prometheus", uid);
        foreach (var dashboard in Dashboards.LoadAll())
        {
            foreach (var panel in dashboard.Panels.Where(p => !p.IsRow))
            {
                Assert.True(panel.DataSourceUid == uid, $"{dashboard} / {panel.Title}: data source {panel.DataSourceUid}");
                Assert.All(panel.Targets, t => Assert.Equal(uid, t.DataSourceUid));
            }

            Assert.All(dashboard.Variables, v => Assert.Equal(uid, v.DataSourceUid));
        }
    }

    [Fact]
    public void TheDataSourcesScrapeIntervalMatchesPrometheusSoRateIntervalsHoldEnoughSamples()
    {
        var dataSource = Yaml.Load("deploy/grafana/provisioning/datasources/prometheus.yml").Items("datasources").Single();
        var prometheus = Yaml.Load("deploy/prometheus/prometheus.yml");

        Assert.Equal(prometheus.Get("global")?.Text("scrape_interval"), dataSource.Get("jsonData")?.Text("timeInterval"));
    }

    [Fact]
    public void TheDashboardProviderLoadsTheDirectoryComposeMountsTheDashboardsIn()
    {
        var provider = Yaml.Load("deploy/grafana/provisioning/dashboards/pulse.yml").Items("providers").Single();
        var grafanaVolumes = Yaml.Load("compose.yaml").Get("services")?.Get("grafana")?.Strings("volumes").ToList() ?? [];

        var path = provider.Get("options")?.Text("path");
        Assert.Contains($"./deploy/grafana/dashboards:{path}:ro", grafanaVolumes);
    }

    [Fact]
    public void TheServiceRuntimeAndSloDashboardsExistWithUniqueUidsAndPanelIds()
    {
        var dashboards = Dashboards.LoadAll();

        Assert.Equal(["pulse-runtime", "pulse-service", "pulse-slo"], dashboards.Select(d => d.Uid).Order(StringComparer.Ordinal));
        foreach (var dashboard in dashboards)
        {
            var ids = dashboard.Panels.Select(p => p.Id).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
            Assert.All(dashboard.Panels, p => Assert.True(p.Json.TryGetProperty("gridPos", out _), $"{dashboard} / {p.Title}: gridPos"));
        }
    }

    [Fact]
    public void EveryPanelHasAQueryAndADescriptionAndUsesOnlyVariablesItsDashboardDefines()
    {
        foreach (var dashboard in Dashboards.LoadAll())
        {
            var defined = dashboard.Variables.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var panel in dashboard.Panels.Where(p => !p.IsRow))
            {
                Assert.True(panel.Targets.Count > 0, $"{dashboard} / {panel.Title}: no query");
                Assert.True(
                    panel.Json.TryGetProperty("description", out var description) && description.GetString()!.Length > 0,
                    $"{dashboard} / {panel.Title}: no description");
                foreach (var target in panel.Targets)
                {
                    var unknown = Dashboards.VariablesIn(target.Expression).Where(v => !defined.Contains(v)).ToList();
                    Assert.True(unknown.Count == 0, $"{dashboard} / {panel.Title}: undefined variables {string.Join(", ", unknown)}");
                }
            }

            // A variable may only use variables defined before it: Grafana resolves them in order.
            for (var i = 0; i < dashboard.Variables.Count; i++)
            {
                var earlier = dashboard.Variables.Take(i).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
                Assert.All(Dashboards.VariablesIn(dashboard.Variables[i].Query), name => Assert.Contains(name, earlier));
            }
        }
    }

    [Fact]
    public void TheServiceDashboardHasInstanceAndEndpointVariablesAndTheRuntimeDashboardInstanceAndHost()
    {
        var byUid = Dashboards.LoadAll().ToDictionary(d => d.Uid);

        Assert.Equal(["instance", "endpoint"], byUid["pulse-service"].Variables.Select(v => v.Name));
        Assert.Equal(["instance", "node"], byUid["pulse-runtime"].Variables.Select(v => v.Name));
        Assert.All(byUid.Values.SelectMany(d => d.Variables), v =>
        {
            Assert.True(v.IncludeAll && v.DefaultsToAll && v.AllValue == ".*", $"{v.Name}: 'All' (.*) is the default selection");
            _ = v.LabelValues();
        });
    }

    [Fact]
    public void TheServiceDashboardShowsWhatTheIssueAsksFor()
    {
        var service = Dashboards.LoadAll().Single(d => d.Uid == "pulse-service");
        var queries = string.Join('\n', service.Panels.SelectMany(p => p.Targets).Select(t => t.Expression));

        Assert.Contains("sum by (endpoint) (rate(http_requests_total{", queries, StringComparison.Ordinal);
        Assert.Contains("status_code=~\"4..\"", queries, StringComparison.Ordinal);
        Assert.Contains("status_code=~\"5..\"", queries, StringComparison.Ordinal);
        foreach (var quantile in new[] { "0.5", "0.95", "0.99" })
        {
            Assert.Contains($"histogram_quantile({quantile}, sum by (endpoint, le) (rate(http_request_duration_seconds_bucket{{", queries, StringComparison.Ordinal);
        }

        Assert.Contains("http_requests_in_progress{", queries, StringComparison.Ordinal);
        Assert.Contains("http_request_size_bytes_sum{", queries, StringComparison.Ordinal);
        Assert.Contains("http_response_size_bytes_sum{", queries, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRuntimeDashboardShowsWhatTheIssueAsksFor()
    {
        var runtime = Dashboards.LoadAll().Single(d => d.Uid == "pulse-runtime");
        var queries = string.Join('\n', runtime.Panels.SelectMany(p => p.Targets).Select(t => t.Expression));

        foreach (var metric in new[]
        {
            "instance:process_cpu_seconds:rate5m", "process_resident_memory_bytes", "process_virtual_memory_bytes",
            "custom_process_open_fds", "process_max_fds", "custom_process_threads", "dotnet_gc_collections_total",
            "dotnet_gc_last_collection_heap_size_bytes", "dotnet_thread_pool_threads", "dotnet_thread_pool_queue_length",
            "node_cpu_seconds_total", "node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes",
        })
        {
            Assert.Contains(metric + "{", queries, StringComparison.Ordinal);
        }
    }
}
