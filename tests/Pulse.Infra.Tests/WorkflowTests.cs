using Pulse.Infra.Tests.Support;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

/// <summary>The GitHub Actions workflows: lint-clean, and wired the way docs/deployment.md describes.</summary>
public sealed class WorkflowTests
{
    private static string Workflow(string name) => File.ReadAllText(Repository.Path(".github", "workflows", name));

    [RequiresToolsFact("yamllint")]
    public async Task WorkflowsPassYamllint()
    {
        var workflows = Directory.GetFiles(Repository.Path(".github", "workflows"), "*.yml");
        var actions = Directory.GetFiles(Repository.Path(".github", "actions"), "action.yml", SearchOption.AllDirectories);

        var result = await ProcessRunner.RunAsync(
            "yamllint",
            ["--strict", "-c", Repository.Path(".github", "yamllint.yml"), .. workflows, .. actions],
            timeout: TimeSpan.FromMinutes(1));

        Assert.Equal(["ci.yml", "deploy.yml", "destroy.yml"], workflows.Select(Path.GetFileName).Order());
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void CiRunsTheSameEntryPointAsLocalCi()
    {
        Assert.Contains("run: bash .ci/run", Workflow("ci.yml"), StringComparison.Ordinal);
    }

    [Fact]
    public void DeployAssumesARoleThroughOidcPushesTheImageAndDeploysPerEnvironment()
    {
        var deploy = Workflow("deploy.yml");

        Assert.Contains("id-token: write", deploy, StringComparison.Ordinal);
        Assert.Contains("uses: ./.github/actions/deploy-environment", deploy, StringComparison.Ordinal);
        var steps = File.ReadAllText(Repository.Path(".github", "actions", "deploy-environment", "action.yml"));
        Assert.Contains("uses: aws-actions/configure-aws-credentials@", steps, StringComparison.Ordinal);
        Assert.Contains("role-to-assume:", steps, StringComparison.Ordinal);
        Assert.DoesNotContain("aws-secret-access-key", steps, StringComparison.Ordinal);
        Assert.Contains("docker push", steps, StringComparison.Ordinal);
        Assert.Contains("cdk deploy", steps, StringComparison.Ordinal);
        Assert.Contains(".imageTag=", steps, StringComparison.Ordinal);
        // Production waits for the reviewers of the GitHub environment "prod".
        Assert.Contains("environment: prod", deploy, StringComparison.Ordinal);
    }

    [Fact]
    public void DestroyIsManualAndAsksForConfirmation()
    {
        var destroy = Workflow("destroy.yml");

        Assert.Contains("workflow_dispatch:", destroy, StringComparison.Ordinal);
        Assert.DoesNotContain("push:", destroy, StringComparison.Ordinal);
        Assert.DoesNotContain("schedule:", destroy, StringComparison.Ordinal);
        Assert.Contains("confirm", destroy, StringComparison.Ordinal);
        Assert.Contains("cdk destroy", destroy, StringComparison.Ordinal);
    }
}
