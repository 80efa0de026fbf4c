using Pulse.Infra.Tests.Support;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

/// <summary>
/// The synthesized templates against the programs that judge CloudFormation: cfn-lint (AWS's linter, with its
/// resource specifications and RDS engine data) and AWS Control Tower's proactive controls run by cfn-guard.
/// Both read every template of the app as infra/cdk.json configures it and of the test variants (HTTPS,
/// Prometheus on AWS, an existing VPC, ECS Exec). Each run also checks a known-bad template, so a tool that
/// silently checks nothing cannot pass.
/// </summary>
[Collection(SynthesizedAppGroup.Name)]
public sealed class CloudFormationToolTests(SynthesizedApp app)
{
    /// <summary>The version whose findings this app is held to (.ci/run installs it).</summary>
    private const string CfnLintVersion = "1.51.";

    /// <summary>PostgreSQL 16.4, the engine version RDS no longer creates instances with.</summary>
    private const string LintCanary = """
        {
          "Resources": {
            "Database": {
              "Type": "AWS::RDS::DBInstance",
              "Properties": { "Engine": "postgres", "EngineVersion": "16.4", "DBInstanceClass": "db.t4g.micro", "AllocatedStorage": "20" }
            }
          }
        }
        """;

    /// <summary>A log group kept for a week without KMS, and a second one whose retention failure is suppressed.</summary>
    private const string GuardCanary = """
        {
          "Resources": {
            "PlainLogs": { "Type": "AWS::Logs::LogGroup", "Properties": { "RetentionInDays": 7 } },
            "ExplainedLogs": {
              "Type": "AWS::Logs::LogGroup",
              "Properties": { "RetentionInDays": 7 },
              "Metadata": { "cfn_guard": { "rules_to_suppress": [ { "id": "CT.CLOUDWATCH.PR.2", "reason": "Canary: suppressed on purpose by the test." } ] } }
            }
          }
        }
        """;

    private static void RequireCfnLint() =>
        Assert.True(ExternalTools.Find("cfn-lint") is not null, "cfn-lint is not on PATH: pip install cfn-lint==1.51.0 (.ci/run installs it).");

    private IEnumerable<string> AllTemplates =>
        app.StackNames.Select(s => Path.Combine(app.Directory, s + ".template.json"))
            .Concat(app.ShippedStackNames.Select(s => Path.Combine(app.ShippedDirectory, s + ".template.json")));

    [RequiresCfnLintFact]
    public async Task CfnLintFindsNoErrorOrWarningInAnyTemplate()
    {
        RequireCfnLint();
        var version = await ProcessRunner.RunAsync("cfn-lint", ["--version"], timeout: TimeSpan.FromMinutes(1));
        Assert.StartsWith("cfn-lint " + CfnLintVersion, version.StandardOutput.Trim(), StringComparison.Ordinal);
        Assert.Equal(8, app.ShippedStackNames.Count);

        var result = await ProcessRunner.RunAsync("cfn-lint", ["--format", "parseable", .. AllTemplates], timeout: TimeSpan.FromMinutes(10));

        // Exit code 0: no error, no warning (informational findings are not enabled by default).
        Assert.True(result.ExitCode == 0 && result.StandardOutput.Trim().Length == 0, "cfn-lint findings:\n" + result);
    }

    [RequiresCfnLintFact]
    public async Task CfnLintReportsTheDeprecatedEngineVersionOfTheCanary()
    {
        RequireCfnLint();
        var canary = Path.Combine(app.Directory, "LintCanary.json");
        await File.WriteAllTextAsync(canary, LintCanary);

        var result = await ProcessRunner.RunAsync("cfn-lint", ["--format", "parseable", canary], timeout: TimeSpan.FromMinutes(2));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(":W3691:", result.StandardOutput, StringComparison.Ordinal);
    }

    [RequiresInfraNodeModulesFact]
    public async Task ControlTowerGuardRulesFindNoUnexplainedFailureInAnyTemplate()
    {
        Assert.True(
            Directory.Exists(Repository.Path("infra", "node_modules", "@cdklabs", "cdk-validator-cfnguard")),
            "infra/node_modules lacks @cdklabs/cdk-validator-cfnguard (cfn-guard and the Control Tower rules): run npm ci --prefix infra (.ci/run does).");
        var canary = Path.Combine(app.Directory, "GuardCanary.json");
        await File.WriteAllTextAsync(canary, GuardCanary);

        var result = await ProcessRunner.RunAsync(
            "node",
            [Repository.Path("infra", "guard", "check.mjs"), app.Directory, app.ShippedDirectory, canary],
            timeout: TimeSpan.FromMinutes(10),
            workingDirectory: Repository.Path("infra"));

        var lines = result.StandardOutput.Split('\n');
        var failures = lines.Where(l => l.StartsWith("FAIL ", StringComparison.Ordinal)).ToList();
        Assert.True(failures.All(f => f.Contains(" GuardCanary/", StringComparison.Ordinal)), "Unexplained Control Tower failures:\n" + string.Join('\n', failures.Where(f => !f.Contains(" GuardCanary/", StringComparison.Ordinal))) + "\n" + result);
        // The canary proves the rules ran and the suppressions are read, resource by resource.
        Assert.Contains("FAIL CT.CLOUDWATCH.PR.2 GuardCanary/PlainLogs: Require an Amazon CloudWatch log group to be retained for at least one year", failures);
        Assert.Contains(failures, f => f.StartsWith("FAIL CT.CLOUDWATCH.PR.3 GuardCanary/PlainLogs", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.StartsWith("FAIL CT.CLOUDWATCH.PR.2 GuardCanary/ExplainedLogs", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("FAIL CT.CLOUDWATCH.PR.3 GuardCanary/ExplainedLogs", StringComparison.Ordinal));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"cfn-guard Control Tower: {app.StackNames.Count() + app.ShippedStackNames.Count + 1} templates", result.StandardOutput, StringComparison.Ordinal);
    }

    [RequiresToolsFact("node")]
    public void EveryGuardSuppressionNamesAControlAndGivesAReason()
    {
        var suppressions = 0;
        foreach (var stack in app.StackNames)
        {
            foreach (var resource in app.Json(stack).GetProperty("Resources").EnumerateObject())
            {
                if (!resource.Value.TryGetProperty("Metadata", out var metadata) || !metadata.TryGetProperty("cfn_guard", out var guard))
                {
                    continue;
                }

                var rules = guard.GetProperty("rules_to_suppress").EnumerateArray().ToList();
                Assert.Equal(rules.Count, rules.Select(r => r.GetProperty("id").GetString()).Distinct().Count());
                foreach (var rule in rules)
                {
                    Assert.Matches(@"^CT\.[A-Z0-9]+\.PR\.\d+$", rule.GetProperty("id").GetString());
                    Assert.True(rule.GetProperty("reason").GetString()!.Length >= 40, $"{stack}/{resource.Name}: give {rule.GetProperty("id")} a real reason");
                    suppressions++;
                }
            }
        }

        Assert.True(suppressions > 0);
    }

    [RequiresToolsTheory("node")]
    [InlineData("prod", false)]
    [InlineData("dev", true)]
    public void DevelopmentOnlyExceptionsApplyOnlyWhereTheSettingsAskForThem(string env, bool expected)
    {
        // Multi-AZ, deletion protection: excused in dev by its settings, never in prod.
        var database = app.Sole($"Pulse-{env}-Data", "AWS::RDS::DBInstance");
        var ids = database.TryGetProperty("Metadata", out var metadata) && metadata.TryGetProperty("cfn_guard", out var guard)
            ? guard.GetProperty("rules_to_suppress").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList()
            : [];

        Assert.Equal(expected, ids.Contains("CT.RDS.PR.1"));
        Assert.Equal(expected, ids.Contains("CT.RDS.PR.13"));
        Assert.DoesNotContain("CT.RDS.PR.8", ids);
    }
}

/// <summary>
/// A fact that runs cfn-lint: skipped locally when it is not on PATH (pip install cfn-lint==1.51.0, or run
/// .ci/run), never skipped in CI, where the test then fails saying what is missing.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresCfnLintFactAttribute : FactAttribute
{
    public RequiresCfnLintFactAttribute()
    {
        if (!ExternalTools.InCi && (ExternalTools.Find("cfn-lint") is null || ExternalTools.Find("node") is null))
        {
            Skip = "Needs cfn-lint 1.51 (pip install cfn-lint==1.51.0; .ci/run installs it) and node on PATH; runs in CI.";
        }
    }
}
