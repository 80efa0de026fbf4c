using Pulse.Slo.Prometheus;
using Pulse.Slo.Spec;
using YamlDotNet.RepresentationModel;

namespace Pulse.Slo.Tests;

/// <summary>What the generator writes, as text and as the data it stands for.</summary>
public sealed class GeneratorTests
{
    [Fact]
    public void TheCommittedGeneratedFilesAreExactlyWhatTheSpecProducesAndNoneIsStale()
    {
        var files = SloGenerator.Generate(Specs.Shipped);

        var outdated = SloGenerator.Differences(files, Specs.Root);

        Assert.True(outdated.Count == 0,
            $"Regenerate with `dotnet run --project src/Pulse.Slo -- generate`; these differ from what {SloGenerator.DefaultSpecPath} produces:\n{string.Join('\n', outdated)}");
    }

    [Fact]
    public void AChangedOrStaleGeneratedFileIsReportedAsADifference()
    {
        var directory = Directory.CreateTempSubdirectory("pulse-slo-generated-").FullName;
        try
        {
            var files = SloGenerator.Generate(Specs.Shipped);
            foreach (var file in files)
            {
                var path = Path.Combine(directory, file.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, file.Text);
            }

            Assert.Empty(SloGenerator.Differences(files, directory));
            File.AppendAllText(Path.Combine(directory, SloGenerator.DashboardPath), " ");
            File.WriteAllText(Path.Combine(directory, SloGenerator.RulesDirectory, "slo-removed.yml"), "groups: []\n");
            File.WriteAllText(Path.Combine(directory, SloGenerator.RulesDirectory, "pulse.yml"), "groups: []\n");

            Assert.Equal([SloGenerator.DashboardPath, $"{SloGenerator.RulesDirectory}/slo-removed.yml"], SloGenerator.Differences(files, directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void GeneratingTwiceGivesTheSameBytes()
    {
        var first = SloGenerator.Generate(Specs.Shipped);
        var second = SloGenerator.Generate(Specs.Shipped);

        Assert.Equal(first, second);
        Assert.All(first, f => Assert.DoesNotContain('\r', f.Text));
        Assert.All(first, f => Assert.EndsWith("\n", f.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void EachObjectiveGetsARuleFileAPageTestFileAndATicketTestFile()
    {
        var paths = SloGenerator.Generate(Specs.Shipped).Select(f => f.Path).ToList();

        Assert.Equal(
        [
            "deploy/prometheus/rules/slo-availability.yml", "deploy/prometheus/tests/slo-availability.test.yml", "deploy/prometheus/tests/slo-availability.tickets.test.yml",
            "deploy/prometheus/rules/slo-latency.yml", "deploy/prometheus/tests/slo-latency.test.yml", "deploy/prometheus/tests/slo-latency.tickets.test.yml",
            "deploy/prometheus/rules/slo-product-item-latency.yml", "deploy/prometheus/tests/slo-product-item-latency.test.yml",
            "deploy/prometheus/tests/slo-product-item-latency.tickets.test.yml",
            "deploy/grafana/dashboards/pulse-slo.json", "deploy/slo/generated/cloudwatch-alarms.json",
        ], paths);
    }

    [Theory]
    [InlineData(30, new[] { "14.4", "6", "3", "1" })]
    [InlineData(28, new[] { "13.44", "5.6", "2.8", "0.9333333333333333333333333333" })]
    public void BurnRatesSpendTheWorkbooksBudgetSharesOfTheWindow(int windowDays, string[] expected)
    {
        // 2 % of the budget in 1 h, 5 % in 6 h, 10 % in 1 d, 10 % in 3 d: 14.4, 6, 3 and 1 for 30 days.
        Assert.Equal(expected, BurnRateScheme.Alerts.Select(a => Numbers.Format(a.BurnRate(windowDays))));
        Assert.Equal(["5m", "30m", "1h", "2h", "6h", "1d", "3d"], BurnRateScheme.AlertWindows.Select(BurnRateScheme.Format));
    }

    [Fact]
    public void TheAvailabilityRulesReadOnlyTheServicesRequestCounterAndDeriveEveryLongWindowFromTheRecordedFiveMinuteRates()
    {
        var rules = RulesOf(Specs.Read("  - name: availability\n    sli: availability\n    target: 99.9\n"));

        Assert.Equal("sum by (job) (rate(http_requests_total{job=\"pulse-api\"}[5m]))", Collapse(rules["slo:sli_requests:rate5m"]));
        Assert.Equal(
            "sum by (job) (rate(http_requests_total{job=\"pulse-api\",status_code=~\"5..\"}[5m])) or on (job) 0 * slo:sli_requests:rate5m{slo=\"availability\"}",
            Collapse(rules["slo:sli_errors:rate5m"]));
        Assert.Equal(
            "sum_over_time(slo:sli_errors:rate5m{slo=\"availability\"}[3d]) / sum_over_time(slo:sli_requests:rate5m{slo=\"availability\"}[3d])",
            Collapse(rules["slo:sli_error:ratio_rate3d"]));
        Assert.Equal("1 - slo:sli_error:ratio_rate30d{slo=\"availability\"} / 0.001", Collapse(rules["slo:error_budget_remaining:ratio"]));
        Assert.Equal(
            "( slo:sli_error:ratio_rate1h{slo=\"availability\"} > (14.4 * 0.001) and slo:sli_error:ratio_rate5m{slo=\"availability\"} > (14.4 * 0.001) ) "
            + "or ( slo:sli_error:ratio_rate6h{slo=\"availability\"} > (6 * 0.001) and slo:sli_error:ratio_rate30m{slo=\"availability\"} > (6 * 0.001) )",
            Collapse(rules["PulseSloAvailabilityFastBurn"]));
        Assert.Equal(
            "( slo:sli_error:ratio_rate1d{slo=\"availability\"} > (3 * 0.001) and slo:sli_error:ratio_rate2h{slo=\"availability\"} > (3 * 0.001) ) "
            + "or ( slo:sli_error:ratio_rate3d{slo=\"availability\"} > (1 * 0.001) and slo:sli_error:ratio_rate6h{slo=\"availability\"} > (1 * 0.001) )",
            Collapse(rules["PulseSloAvailabilitySlowBurn"]));
        Assert.DoesNotContain(rules.Where(r => r.Key.StartsWith("slo:sli_error:ratio_rate", StringComparison.Ordinal) && r.Key != "slo:sli_error:ratio_rate5m"),
            r => r.Value.Contains("http_requests_total", StringComparison.Ordinal));
    }

    [Fact]
    public void TheLatencyRulesCountRequestsAboveTheThresholdBucketOfOneEndpoint()
    {
        var rules = RulesOf(Specs.Read("  - name: item\n    sli: latency\n    endpoint: /products/{id}\n    target: 99.5\n    threshold: 100ms\n"));

        Assert.Equal(
            "sum by (job) (rate(http_request_duration_seconds_bucket{job=\"pulse-api\",endpoint=\"/products/{id}\",le=\"+Inf\"}[5m]))",
            Collapse(rules["slo:sli_requests:rate5m"]));
        Assert.Equal(
            "slo:sli_requests:rate5m{slo=\"item\"} - on (job) sum by (job) (rate(http_request_duration_seconds_bucket{job=\"pulse-api\",endpoint=\"/products/{id}\",le=\"0.1\"}[5m]))",
            Collapse(rules["slo:sli_errors:rate5m"]));
        Assert.Contains("> (14.4 * 0.005)", rules["PulseSloLatencyFastBurn"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.3", "le=\"0.3\"")]
    [InlineData("1", "le=~\"1(\\\\.0)?\"")]
    [InlineData("10", "le=~\"10(\\\\.0)?\"")]
    public void AWholeSecondThresholdMatchesBothSpellingsOfItsBucket(string seconds, string matcher)
    {
        // The text format writes le="1", OpenMetrics (what Prometheus asks for) le="1.0".
        Assert.Equal(matcher, RuleFileWriter.LeMatcher(decimal.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void EveryAlertHasTheRunbookSectionOfItsNameAndTheSeverityOfItsPair()
    {
        var runbook = File.ReadAllText(Path.Combine(Specs.Root, "docs/runbook.md"));

        foreach (var name in SloRecordings.AllAlertNames)
        {
            Assert.Contains($"\n## {name}\n", runbook, StringComparison.Ordinal);
        }

        var rule = Yaml(SloGenerator.Generate(Specs.Shipped)[0].Text);
        var alerts = Groups(rule).SelectMany(g => Items(g, "rules")).Where(r => r.Children.ContainsKey("alert")).ToList();
        Assert.Equal(["critical", "warning"], alerts.Select(a => Text(Map(a, "labels"), "severity")));
        Assert.All(alerts, a => Assert.Equal($"docs/runbook.md#{Text(a, "alert").ToLowerInvariant()}", Text(Map(a, "annotations"), "runbook_url")));
    }

    /// <summary>Rule name (record or alert) to expression, for a spec of one objective.</summary>
    private static Dictionary<string, string> RulesOf(SloSpec spec)
    {
        var rules = Yaml(SloGenerator.Generate(spec)[0].Text);
        return Groups(rules).SelectMany(g => Items(g, "rules"))
            .ToDictionary(r => r.Children.ContainsKey("record") ? Text(r, "record") : Text(r, "alert"), r => Text(r, "expr"));
    }

    /// <summary>The expression on one line: the generator breaks long ones after commas and between clauses.</summary>
    private static string Collapse(string expression) =>
        string.Join(' ', expression.Split(['\n', ' '], StringSplitOptions.RemoveEmptyEntries)).Replace(", ", ",", StringComparison.Ordinal);

    internal static YamlMappingNode Yaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    internal static IEnumerable<YamlMappingNode> Groups(YamlMappingNode rules) => Items(rules, "groups");

    internal static IEnumerable<YamlMappingNode> Items(YamlMappingNode node, string key) =>
        ((YamlSequenceNode)node.Children[key]).Children.Cast<YamlMappingNode>();

    internal static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[key];

    internal static string Text(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[key]).Value!;
}
