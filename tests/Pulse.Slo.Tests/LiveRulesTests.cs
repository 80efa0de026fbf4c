using System.Globalization;
using System.Text.Json;
using Pulse.Testing;

namespace Pulse.Slo.Tests;

/// <summary>
/// The committed SLO rules on a real Prometheus (Debian's 2.42) that scrapes the running service while the
/// load generator's mixed scenario (2 % of it /error's intended 500s, product and task flows) runs against it.
/// </summary>
public sealed class LiveRulesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [RequiresToolsFact("prometheus")]
    public async Task EveryRecordedSeriesOfEveryObjectiveHasAValueAndTheAvailabilityPageFiresAfterLoadWithErrors()
    {
        using var service = new LiveService();
        var directory = Directory.CreateTempSubdirectory("pulse-slo-prometheus-").FullName;
        try
        {
            var spec = Specs.Shipped;
            var ruleFiles = spec.Objectives.Select(o => RepositoryRoot.Combine(SloGenerator.RulesPath(o))).ToList();
            var config = Path.Combine(directory, "prometheus.yml");
            await File.WriteAllTextAsync(config, $"""
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                {string.Join('\n', ruleFiles.Select(f => $"  - {f}"))}
                scrape_configs:
                  - job_name: {spec.Job}
                    static_configs:
                      - targets: ["{service.Address.Authority}"]
                """);
            await using var prometheus = await PrometheusServer.StartAsync(config);

            var load = await LoadGenAsync("--url", service.Address.AbsoluteUri, "--scenario", "mixed", "--duration", "20s", "--rps", "50");
            Assert.True(load.ExitCode == 0, load.ToString());
            Assert.Contains("500:", load.StandardOutput, StringComparison.Ordinal);

            // Every series each objective's rules record, queried by name and objective.
            var expected = (
                from objective in spec.Objectives
                let rules = GeneratorTests.Yaml(File.ReadAllText(RepositoryRoot.Combine(SloGenerator.RulesPath(objective))))
                from rule in GeneratorTests.Groups(rules).SelectMany(g => GeneratorTests.Items(g, "rules"))
                where rule.Children.ContainsKey("record")
                select $"{GeneratorTests.Text(rule, "record")}{{slo=\"{objective.Name}\"}}").ToList();
            Assert.Equal(spec.Objectives.Count * 13, expected.Count);

            var missing = expected;
            try
            {
                await Wait.UntilAsync(
                    async () =>
                    {
                        var left = new List<string>();
                        foreach (var query in expected)
                        {
                            var result = await prometheus.QueryAsync(query);
                            if (result.GetArrayLength() != 1 || !double.IsFinite(Value(result[0])))
                            {
                                left.Add($"{query}: {result}");
                            }
                        }

                        missing = left;
                        return left.Count == 0;
                    },
                    Limit,
                    "every recorded SLO series to have a value",
                    TimeSpan.FromSeconds(1));
            }
            catch (TimeoutException)
            {
                Assert.Fail($"After {Limit.TotalSeconds} s these SLO series have no value:\n{string.Join('\n', missing)}");
            }

            // /error is 2 % of the mixed blend: 20 times the 0.1 % budget, over both 5 minutes and (all the
            // data there is of) the last hour.
            var availability = await prometheus.QueryScalarAsync("""slo:sli_error:ratio_rate5m{slo="availability"}""");
            Assert.InRange(availability!.Value, 0.015, 0.025);
            await Wait.UntilAsync(
                async () => (await prometheus.QueryAsync("""ALERTS{alertname="PulseSloAvailabilityFastBurn",alertstate="firing",slo="availability",job="pulse-api"}""")).GetArrayLength() == 1,
                TimeSpan.FromSeconds(30),
                "PulseSloAvailabilityFastBurn to fire",
                TimeSpan.FromSeconds(1));
            var requests = await prometheus.QueryScalarAsync("""slo:sli_requests:rate5m{slo="product-item-latency"}""");
            Assert.True(requests > 0, "the product item objective counted no requests");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static double Value(JsonElement series) =>
        double.Parse(series.GetProperty("value")[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Runs the load generator built next to these tests as its own process.</summary>
    private static Task<ProcessResult> LoadGenAsync(params string[] arguments)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : ExternalTools.Find("dotnet") ?? "dotnet";
        return ProcessRunner.RunAsync(dotnet, [Path.Combine(AppContext.BaseDirectory, "Pulse.LoadGen.dll"), .. arguments], timeout: TimeSpan.FromSeconds(90));
    }
}
