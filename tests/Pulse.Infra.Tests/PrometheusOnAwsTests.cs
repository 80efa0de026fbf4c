using Amazon.CDK.Assertions;
using Pulse.Infra.Constructs;
using Pulse.Infra.Tests.Support;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

[Collection(SynthesizedAppGroup.Name)]
public sealed class PrometheusOnAwsTests(SynthesizedApp app)
{
    private string CollectorConfig() => Cfn.Flatten(app.Sole("Pulse-prod-Service", "AWS::SSM::Parameter").Prop("Value"));

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("shared")]
    public void PrometheusOnAwsIsOffByDefault(string env)
    {
        var template = app.Template($"Pulse-{env}-Service");

        template.ResourceCountIs("AWS::APS::Workspace", 0);
        template.ResourceCountIs("AWS::SSM::Parameter", 0);
        Assert.Equal(1, app.Sole($"Pulse-{env}-Service", "AWS::ECS::TaskDefinition").Prop("ContainerDefinitions").GetArrayLength());
    }

    [RequiresToolsFact("node")]
    public void AnAdotSidecarScrapesTheManagementPortAndRemoteWritesToTheWorkspace()
    {
        var template = app.Template("Pulse-prod-Service");
        var (workspaceId, _) = app.Resources("Pulse-prod-Service", "AWS::APS::Workspace").Single();
        var (parameterId, _) = app.Resources("Pulse-prod-Service", "AWS::SSM::Parameter").Single();

        template.HasResourceProperties("AWS::APS::Workspace", new Dictionary<string, object> { ["Alias"] = "pulse-prod" });
        template.HasResourceProperties("AWS::SSM::Parameter", new Dictionary<string, object> { ["Name"] = "/pulse-prod/adot-collector-config", ["Type"] = "String" });
        var config = CollectorConfig();
        Assert.Contains("- targets: ['127.0.0.1:9464']", config, StringComparison.Ordinal);
        Assert.Contains("metrics_path: /metrics", config, StringComparison.Ordinal);
        Assert.Contains($"endpoint: ${{{workspaceId}.PrometheusEndpoint}}api/v1/remote_write", config, StringComparison.Ordinal);
        Assert.Contains("authenticator: sigv4auth", config, StringComparison.Ordinal);
        Assert.Contains("region: eu-central-1", config, StringComparison.Ordinal);

        var sidecar = app.Sole("Pulse-prod-Service", "AWS::ECS::TaskDefinition").Prop("ContainerDefinitions").EnumerateArray()
            .Single(c => c.GetProperty("Name").GetString() == PrometheusOnAws.ContainerName);
        Assert.False(sidecar.GetProperty("Essential").GetBoolean());
        Assert.StartsWith("public.ecr.aws/aws-observability/aws-otel-collector:v", sidecar.GetProperty("Image").GetString(), StringComparison.Ordinal);
        var secret = Assert.Single(sidecar.GetProperty("Secrets").EnumerateArray());
        Assert.Equal(PrometheusOnAws.ConfigVariable, secret.GetProperty("Name").GetString());
        Assert.Contains($"parameter${{Ref:{parameterId}}}", Cfn.Flatten(secret.GetProperty("ValueFrom")), StringComparison.Ordinal);

        template.HasResourceProperties("AWS::IAM::Policy", new Dictionary<string, object>
        {
            ["PolicyDocument"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Statement"] = Match.ArrayWith(new object[]
                {
                    Match.ObjectLike(new Dictionary<string, object>
                    {
                        ["Action"] = "aps:RemoteWrite",
                        ["Resource"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { workspaceId, "Arn" } },
                    }),
                }),
            }),
        });
    }

    [RequiresToolsFact("node", "yamllint")]
    public async Task CollectorConfigIsWellFormedYaml()
    {
        var file = Path.Combine(app.Directory, "adot-collector-config.yaml");
        await File.WriteAllTextAsync(file, "---\n" + CollectorConfig() + "\n");

        var result = await ProcessRunner.RunAsync("yamllint", ["-d", "{extends: default, rules: {line-length: {max: 200}}}", "-s", file], timeout: TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>The collector configuration as the collector reads it: a YAML document.</summary>
    private Dictionary<object, object> CollectorYaml() =>
        new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(CollectorConfig());

    private static Dictionary<object, object> Map(object node, params string[] path) =>
        path.Aggregate(node, (current, key) => ((Dictionary<object, object>)current)[key]) as Dictionary<object, object>
            ?? throw new InvalidOperationException($"{string.Join('.', path)} is not a mapping");

    private static List<string> List(object node, params string[] path) =>
        ((List<object>)path.Aggregate(node, (current, key) => ((Dictionary<object, object>)current)[key])).Cast<string>().ToList();

    [RequiresToolsFact("node")]
    public void EverySeriesCarriesTheTasksIdentitySoTasksDoNotOverwriteEachOther()
    {
        var config = CollectorYaml();

        // The ECS resource detector reads the task metadata endpoint (task ARN, family, revision, cluster, zone)...
        var detection = Map(config, "processors", "resourcedetection");
        Assert.Contains("ecs", List(detection, "detectors"));
        Assert.Contains("resourcedetection", List(config, "service", "pipelines", "metrics", "processors"));
        // ...and the exporter writes resource attributes as labels on every series it sends.
        var conversion = Map(config, "exporters", "prometheusremotewrite", "resource_to_telemetry_conversion");
        Assert.Equal("true", conversion["enabled"]);
    }

    [RequiresToolsFact("node")]
    public void ContainerMetricsOfEachTaskAreCollectedWithTheServicesOwn()
    {
        var config = CollectorYaml();

        Assert.Equal($"{PrometheusOnAws.IntervalSeconds}s", Map(config, "receivers", "awsecscontainermetrics")["collection_interval"]);
        Assert.Equal(["prometheus", "awsecscontainermetrics"], List(config, "service", "pipelines", "metrics", "receivers"));
        Assert.Equal(["prometheusremotewrite"], List(config, "service", "pipelines", "metrics", "exporters"));
    }

    [RequiresToolsFact("node")]
    public void TheCollectorRunsUnprivilegedWithAHardMemoryLimit()
    {
        var sidecar = app.Sole("Pulse-prod-Service", "AWS::ECS::TaskDefinition").Prop("ContainerDefinitions").EnumerateArray()
            .Single(c => c.GetProperty("Name").GetString() == PrometheusOnAws.ContainerName);

        Assert.Equal(PrometheusOnAws.CollectorUser, sidecar.GetProperty("User").GetString());
        Assert.Equal(PrometheusOnAws.MemoryLimitMiB, sidecar.GetProperty("Memory").GetInt32());
        Assert.Equal(PrometheusOnAws.MemoryReservationMiB, sidecar.GetProperty("MemoryReservation").GetInt32());
    }
}
