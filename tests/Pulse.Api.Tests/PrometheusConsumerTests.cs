using Pulse.Testing;

namespace Pulse.Api.Tests;

/// <summary>The exposition checked by the real consumers: promtool's linter and a Prometheus server.</summary>
public sealed class PrometheusConsumerTests
{
    [RequiresToolsFact("promtool")]
    public async Task PromtoolAcceptsARealScrape()
    {
        await using var factory = new PulseApiFactory();
        var client = factory.CreateClient();
        foreach (var path in new[] { "/", "/Welcome?name=Ada", "/Welcome", "/error", "/nowhere", "/health" })
        {
            (await client.GetAsync(path)).Dispose();
        }

        var exposition = await client.GetStringAsync("/metrics");
        var result = await ProcessRunner.RunAsync(ExternalTools.Require("promtool"), ["check", "metrics"], exposition, TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("http_request_duration_seconds_bucket", exposition, StringComparison.Ordinal);
    }

    [RequiresToolsFact("prometheus")]
    public async Task PrometheusScrapesTheServiceAndAnswersTheDocumentedQueries()
    {
        await using var service = LoopbackServer.Start();
        var config = Path.Combine(Directory.CreateTempSubdirectory("pulse-prom-config-").FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: pulse
                static_configs:
                  - targets: ["{service.Address.Authority}"]
            """);
        await using var prometheus = await PrometheusServer.StartAsync(config);

        using var traffic = new CancellationTokenSource();
        var load = DriveTrafficAsync(service.Client, traffic.Token);
        try
        {
            var timeout = TimeSpan.FromSeconds(60);
            await Wait.UntilAsync(async () => await prometheus.QueryScalarAsync("up{job=\"pulse\"}") == 1, timeout, "the target to be up");
            await Wait.UntilAsync(async () => await prometheus.QueryScalarAsync("sum(rate(http_requests_total[1m]))") > 0, timeout, "a request rate");
            await Wait.UntilAsync(
                async () => await prometheus.QueryScalarAsync("histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[1m])) by (le))") is > 0 and < 10,
                timeout,
                "a p95 latency");
            await Wait.UntilAsync(
                async () => await prometheus.QueryScalarAsync("sum(rate(http_requests_total{status_code=~\"5..\"}[1m]))") > 0,
                timeout,
                "the documented 5xx error rate");
        }
        finally
        {
            await traffic.CancelAsync();
            await load;
        }

        var targets = await prometheus.TargetsAsync();
        Assert.Equal("up", targets[0].GetProperty("health").GetString());
        Assert.Equal(string.Empty, targets[0].GetProperty("lastError").GetString());
    }

    private static async Task DriveTrafficAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var round = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var path = ++round % 15 == 0 ? "/error" : round % 2 == 0 ? "/" : "/Welcome?name=Prometheus";
                (await client.GetAsync(path, cancellationToken)).Dispose();
                await Task.Delay(20, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
