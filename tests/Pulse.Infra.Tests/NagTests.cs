using System.Text.Json;
using Pulse.Infra.Tests.Support;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

/// <summary>
/// cdk-nag's AwsSolutions pack over the synthesized templates (infra/nag/check.mjs, npm packages pinned by
/// infra/package-lock.json and installed by .ci/run with npm ci).
/// </summary>
[Collection(SynthesizedAppGroup.Name)]
public sealed class NagTests(SynthesizedApp app)
{
    /// <summary>
    /// A known-bad template checked in the same run: an unencrypted, logging-free bucket, and a second one
    /// whose S1 finding is suppressed in metadata. It proves the check finds errors and honours suppressions.
    /// </summary>
    private const string Canary = """
        {
          "Resources": {
            "PlainBucket": { "Type": "AWS::S3::Bucket" },
            "SuppressedBucket": {
              "Type": "AWS::S3::Bucket",
              "Metadata": { "cdk_nag": { "rules_to_suppress": [ { "id": "AwsSolutions-S1", "reason": "Canary: suppressed on purpose by the test." } ] } }
            }
          }
        }
        """;

    [RequiresInfraNodeModulesFact]
    public async Task AwsSolutionsFindsNoUnsuppressedErrorsInAnyStack()
    {
        Assert.True(
            Directory.Exists(Repository.Path("infra", "node_modules", "cdk-nag")),
            "infra/node_modules is missing: run npm ci --prefix infra (.ci/run does).");
        var canary = Path.Combine(app.Directory, "NagCanary.json");
        await File.WriteAllTextAsync(canary, Canary);

        var result = await ProcessRunner.RunAsync(
            "node",
            [Repository.Path("infra", "nag", "check.mjs"), app.Directory, canary],
            timeout: TimeSpan.FromMinutes(3),
            workingDirectory: Repository.Path("infra"));

        var errors = result.StandardOutput.Split('\n').Where(l => l.StartsWith("ERROR ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.All(e => e.Contains(" NagCanary/", StringComparison.Ordinal)), "Unsuppressed cdk-nag errors:\n" + string.Join('\n', errors.Where(e => !e.Contains(" NagCanary/", StringComparison.Ordinal))) + "\n" + result);
        Assert.Contains(errors, e => e.StartsWith("ERROR AwsSolutions-S1[] NagCanary/PlainBucket", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.StartsWith("ERROR AwsSolutions-S1[] NagCanary/SuppressedBucket", StringComparison.Ordinal));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"cdk-nag AwsSolutions: {app.StackNames.Count() + 1} templates", result.StandardOutput, StringComparison.Ordinal);
    }

    [RequiresToolsFact("node")]
    public void EverySuppressionNamesAnAwsSolutionsRuleAndGivesAReason()
    {
        var suppressions = 0;
        foreach (var stack in app.StackNames)
        {
            foreach (var resource in app.Json(stack).GetProperty("Resources").EnumerateObject())
            {
                if (!resource.Value.TryGetProperty("Metadata", out var metadata) || !metadata.TryGetProperty("cdk_nag", out var nag))
                {
                    continue;
                }

                var rules = nag.GetProperty("rules_to_suppress").EnumerateArray().ToList();
                Assert.Equal(rules.Count, rules.Select(r => r.GetProperty("id").GetString()).Distinct().Count());
                foreach (var rule in rules)
                {
                    Assert.StartsWith("AwsSolutions-", rule.GetProperty("id").GetString(), StringComparison.Ordinal);
                    Assert.True(rule.GetProperty("reason").GetString()!.Length >= 40, $"{stack}/{resource.Name}: give {rule.GetProperty("id")} a real reason");
                    if (rule.TryGetProperty("applies_to", out var appliesTo))
                    {
                        Assert.All(appliesTo.EnumerateArray(), a => Assert.Equal(JsonValueKind.String, a.ValueKind));
                    }

                    suppressions++;
                }
            }
        }

        Assert.True(suppressions > 0);
    }
}

/// <summary>
/// A fact that runs the infra npm tools: skipped locally when node or infra/node_modules is missing (run
/// <c>npm ci --prefix infra</c>), never skipped in CI, where the test then fails saying what is missing.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresInfraNodeModulesFactAttribute : FactAttribute
{
    public RequiresInfraNodeModulesFactAttribute()
    {
        if (!ExternalTools.InCi)
        {
            if (ExternalTools.Find("node") is null)
            {
                Skip = "Needs node on PATH; runs in CI.";
            }
            else if (!Directory.Exists(Repository.Path("infra", "node_modules", "cdk-nag"))
                || !Directory.Exists(Repository.Path("infra", "node_modules", "@cdklabs", "cdk-validator-cfnguard")))
            {
                Skip = "Needs infra/node_modules: run npm ci --prefix infra (.ci/run does); runs in CI.";
            }
        }
    }
}
