using System.Text.RegularExpressions;
using Pulse.Testing;
using YamlDotNet.RepresentationModel;

namespace Pulse.Stack.Tests;

/// <summary>The Prometheus configuration and rules in deploy/prometheus, checked by promtool and read as data.</summary>
public sealed partial class PrometheusRulesTests
{
    private const string ConfigFile = "deploy/prometheus/prometheus.yml";
    private const string RulesDirectory = "deploy/prometheus/rules";
    private const string RuleTestsDirectory = "deploy/prometheus/tests";

    /// <summary>The threshold alerts: CPU, memory, 5xx rate, p95 latency, the error burst (the CloudWatch ErrorCount alarm in PromQL), target down and descriptors.</summary>
    private static readonly string[] RequiredAlerts =
    [
        "PulseHighCpu", "PulseHighMemory", "PulseHigh5xxRate", "PulseHighP95Latency",
        "PulseErrorBurst", "PulseTargetDown", "PulseFileDescriptorsNearLimit",
    ];

    internal static string[] RuleFiles() =>
        [.. Directory.GetFiles(Repository.PathOf(RulesDirectory), "*.yml").Order(StringComparer.Ordinal)];

    internal static IEnumerable<(string Group, YamlNode Rule)> Rules() =>
        from file in RuleFiles()
        from grp in Yaml.Load(Path.GetRelativePath(Repository.Root, file)).Items("groups")
        from rule in grp.Items("rules")
        select (grp.Text("name")!, rule);

    private static IEnumerable<YamlNode> Alerts() => Rules().Select(r => r.Rule).Where(r => r.Text("alert") is not null);

    /// <summary>The service's threshold alerts; the SLO burn-rate alerts (rules/slo-*.yml) are generated from deploy/slo/pulse.yaml.</summary>
    private static IEnumerable<YamlNode> ThresholdAlerts() =>
        from grp in Yaml.Load($"{RulesDirectory}/pulse.yml").Items("groups")
        from rule in grp.Items("rules")
        where rule.Text("alert") is not null
        select rule;

    private static Task<ProcessResult> PromtoolAsync(params string[] arguments) =>
        ProcessRunner.RunAsync(ExternalTools.Require("promtool"), arguments, timeout: TimeSpan.FromMinutes(5), workingDirectory: Repository.Root);

    /// <summary>
    /// Checked as scripts/local-stack.sh gives it to Debian's Prometheus 2.42, whose promtool this is: that version
    /// predates <c>scrape_classic_histograms</c> (2.45), which the compose stack's Prometheus reads.
    /// </summary>
    [RequiresToolsFact("promtool")]
    public async Task PromtoolAcceptsThePrometheusConfigurationAndTheRuleFilesItLoads()
    {
        var directory = Directory.CreateTempSubdirectory("pulse-promtool-config-").FullName;
        try
        {
            var rules = Directory.CreateDirectory(Path.Combine(directory, "rules")).FullName;
            foreach (var file in RuleFiles())
            {
                File.Copy(file, Path.Combine(rules, Path.GetFileName(file)));
            }

            var config = Path.Combine(directory, "prometheus.yml");
            await File.WriteAllTextAsync(config, LoopbackStackFixture.FitToDebianPrometheus(Repository.Read(ConfigFile)));
            var result = await PromtoolAsync("check", "config", config);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains($"SUCCESS: {RuleFiles().Length} rule files found", result.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [RequiresToolsFact("promtool")]
    public async Task PromtoolAcceptsEveryRuleFile()
    {
        var files = RuleFiles();

        var result = await PromtoolAsync(["check", "rules", .. files]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(files.Length, Regex.Count(result.StandardOutput, "SUCCESS: [0-9]+ rules found"));
    }

    [RequiresToolsFact("promtool")]
    public async Task EveryRuleUnitTestPassesInPromtool()
    {
        var tests = Directory.GetFiles(Repository.PathOf(RuleTestsDirectory), "*.yml");
        Assert.NotEmpty(tests);

        var result = await PromtoolAsync(["test", "rules", .. tests]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("FAILED", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void TheThresholdRulesDefineEveryAlertTheIssueAsksFor()
    {
        var names = ThresholdAlerts().Select(a => a.Text("alert")!).ToList();

        Assert.Equal(RequiredAlerts.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryAlertHasASeverityASummaryADescriptionAndARunbookSectionOfItsOwnName()
    {
        var runbookHeadings = RunbookHeadingRegex().Matches(Repository.Read("docs/runbook.md")).Select(m => m.Groups[1].Value).ToHashSet();

        foreach (var alert in Alerts())
        {
            var name = alert.Text("alert")!;
            var labels = alert.Get("labels");
            var annotations = alert.Get("annotations");
            Assert.True(labels?.Text("severity") is "critical" or "warning" or "info", $"{name}: severity");
            Assert.False(string.IsNullOrWhiteSpace(annotations?.Text("summary")), $"{name}: summary");
            Assert.False(string.IsNullOrWhiteSpace(annotations?.Text("description")), $"{name}: description");
            Assert.Equal($"docs/runbook.md#{name.ToLowerInvariant()}", annotations?.Text("runbook_url"));
            Assert.Contains(name, runbookHeadings);
        }
    }

    [Fact]
    public void EveryAlertIsUnitTestedBothFiringAndSilent()
    {
        var alertTests = (
            from file in Directory.GetFiles(Repository.PathOf(RuleTestsDirectory), "*.yml")
            from test in Yaml.Load(Path.GetRelativePath(Repository.Root, file)).Items("tests")
            from check in test.Items("alert_rule_test")
            select (Alert: check.Text("alertname")!, Fires: check.Items("exp_alerts").Any())).ToList();

        foreach (var name in Alerts().Select(a => a.Text("alert")!))
        {
            Assert.True(alertTests.Contains((name, true)), $"{name} has no test where it fires.");
            Assert.True(alertTests.Contains((name, false)), $"{name} has no test where it stays silent.");
        }
    }

    [Fact]
    public void EveryRuleFileIsLoadedByARuleTestAndEveryFileARuleTestLoadsExists()
    {
        // Each SLO objective's tests load only its own rule file (its alerts share names with other objectives').
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Repository.PathOf(RuleTestsDirectory), "*.yml"))
        {
            foreach (var ruleFile in Yaml.Load(Path.GetRelativePath(Repository.Root, file)).Strings("rule_files"))
            {
                var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, ruleFile));
                Assert.True(File.Exists(path), $"{Path.GetFileName(file)} loads {ruleFile}, which does not exist");
                loaded.Add(path);
            }
        }

        Assert.All(RuleFiles(), file => Assert.Contains(Path.GetFullPath(file), loaded));
    }

    [Fact]
    public void PrometheusScrapesTheServiceAndNodeExporterEveryFifteenSecondsAndLoadsEveryRuleFile()
    {
        var config = Yaml.Load(ConfigFile);

        Assert.Equal("15s", config.Get("global")?.Text("scrape_interval"));
        Assert.Equal("15s", config.Get("global")?.Text("evaluation_interval"));
        var jobs = config.Items("scrape_configs").ToDictionary(
            job => job.Text("job_name")!,
            job => job.Items("static_configs").SelectMany(s => s.Strings("targets")).ToList());
        Assert.Equal(["pulse-api:8080"], jobs["pulse-api"]);
        Assert.Equal(["node-exporter:9100"], jobs["node"]);
        Assert.Equal(["rules/*.yml"], config.Strings("rule_files"));
    }

    [GeneratedRegex(@"^## (\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex RunbookHeadingRegex();
}
