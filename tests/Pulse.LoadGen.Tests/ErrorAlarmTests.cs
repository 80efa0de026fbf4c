using Pulse.Testing;

namespace Pulse.LoadGen.Tests;

/// <summary>
/// docs/loadgen.md promises that <c>--scenario error-burst</c> trips the error alarm. Checked here with the
/// real consumer: a Prometheus server evaluating the project's own rules (deploy/prometheus/rules/pulse.yml)
/// against a fresh service, so nothing but the burst can have produced the errors.
/// </summary>
public sealed class ErrorAlarmTests : IDisposable
{
    private readonly PulseService _service = new();

    [RequiresToolsFact("prometheus")]
    public async Task ErrorBurstTripsThePrometheusErrorBurstAlert()
    {
        var directory = Directory.CreateTempSubdirectory("pulse-loadgen-prometheus-").FullName;
        try
        {
            var config = Path.Combine(directory, "prometheus.yml");
            await File.WriteAllTextAsync(config, $"""
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - {RepositoryRoot.Combine("deploy/prometheus/rules/pulse.yml")}
                scrape_configs:
                  - job_name: pulse-api
                    static_configs:
                      - targets: ["{_service.Address.Authority}"]
                """);
            await using var prometheus = await PrometheusServer.StartAsync(config);
            // One successful request creates the service's request series; once Prometheus has scraped it
            // twice the error rule evaluates to 0 (not to nothing): the rules see the service, without errors.
            using (var hello = await _service.Http.GetAsync("/"))
            {
                hello.EnsureSuccessStatusCode();
            }

            await Wait.UntilAsync(
                async () => await prometheus.QueryScalarAsync("""instance:http_request_errors:increase2m{job="pulse-api"}""") == 0,
                TimeSpan.FromSeconds(30),
                "Prometheus to scrape the service and evaluate the error rule");
            Assert.Equal(0, (await prometheus.QueryAsync("""ALERTS{alertname="PulseErrorBurst"}""")).GetArrayLength());

            var result = await LoadGen.RunAsync("--url", _service.Address.AbsoluteUri, "--scenario", "error-burst");

            Assert.True(result.ExitCode == 0, result.ToString());
            await Wait.UntilAsync(
                async () => (await prometheus.QueryAsync("""ALERTS{alertname="PulseErrorBurst",alertstate="firing",job="pulse-api"}""")).GetArrayLength() == 1,
                TimeSpan.FromSeconds(30),
                "PulseErrorBurst to fire");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public void Dispose() => _service.Dispose();
}
