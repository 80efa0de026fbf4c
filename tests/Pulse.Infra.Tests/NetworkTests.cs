using System.Text.Json;
using Pulse.Infra.Tests.Support;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

[Collection(SynthesizedAppGroup.Name)]
public sealed class NetworkTests(SynthesizedApp app)
{
    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void NewVpcSpansTheConfiguredZonesWithPublicAppAndDatabaseSubnets(string env)
    {
        var settings = app.Environment(env).Settings;
        var stack = $"Pulse-{env}-Network";

        app.Template(stack).HasResourceProperties("AWS::EC2::VPC", new Dictionary<string, object>
        {
            ["CidrBlock"] = settings.VpcCidr,
            ["EnableDnsHostnames"] = true,
            ["EnableDnsSupport"] = true,
        });
        var subnets = app.Resources(stack, "AWS::EC2::Subnet").Select(s => s.Resource).ToList();
        string Tier(JsonElement subnet) => subnet.Prop("Tags").EnumerateArray()
            .Single(t => t.GetProperty("Key").GetString() == "aws-cdk:subnet-name").GetProperty("Value").GetString()!;
        Assert.Equal(settings.AzCount, subnets.Count(s => Tier(s) == "Public"));
        Assert.Equal(settings.AzCount, subnets.Count(s => Tier(s) == "App"));
        Assert.Equal(settings.AzCount, subnets.Count(s => Tier(s) == "Database"));
        // No subnet hands out public addresses on its own: NAT gateways and the load balancer bring theirs.
        Assert.All(subnets, s => Assert.NotEqual(JsonValueKind.True, s.Prop("MapPublicIpOnLaunch").ValueKind));
        Assert.All(subnets.Where(s => Tier(s) == "Public"), s => Assert.Equal(JsonValueKind.False, s.Prop("MapPublicIpOnLaunch").ValueKind));

        // Distinct zones, resolved by CloudFormation (Fn::GetAZs) rather than by a lookup at synthesis.
        var zones = subnets.Select(s => s.Prop("AvailabilityZone").GetRawText()).Distinct().ToList();
        Assert.Equal(settings.AzCount, zones.Count);
        Assert.All(zones, z => Assert.Contains("Fn::GetAZs", z, StringComparison.Ordinal));
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev", 1)]
    [InlineData("prod", 3)]
    public void NatGatewaysFollowTheSettings(string env, int expected)
    {
        Assert.Equal(expected, app.Environment(env).Settings.NatGateways);
        app.Template($"Pulse-{env}-Network").ResourceCountIs("AWS::EC2::NatGateway", expected);

        // Every app subnet routes to the internet through a NAT gateway; database subnets have no default route.
        var routes = app.Resources($"Pulse-{env}-Network", "AWS::EC2::Route").Select(r => r.Id).ToList();
        Assert.Equal(app.Environment(env).Settings.AzCount, routes.Count(id => id.Contains("AppSubnet", StringComparison.Ordinal) && id.Contains("DefaultRoute", StringComparison.Ordinal)));
        Assert.DoesNotContain(routes, id => id.Contains("DatabaseSubnet", StringComparison.Ordinal));
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void FlowLogsRecordAllTrafficIntoALogGroupWithRetention(string env)
    {
        var template = app.Template($"Pulse-{env}-Network");

        template.HasResourceProperties("AWS::EC2::FlowLog", new Dictionary<string, object>
        {
            ["ResourceType"] = "VPC",
            ["TrafficType"] = "ALL",
            ["LogDestinationType"] = "cloud-watch-logs",
        });
        var (keyId, _) = app.Resources($"Pulse-{env}-Network", "AWS::KMS::Key").Single();
        template.HasResourceProperties("AWS::Logs::LogGroup", new Dictionary<string, object>
        {
            ["LogGroupName"] = $"/pulse-{env}/vpc-flow-logs",
            ["RetentionInDays"] = app.Environment(env).Settings.LogRetentionDays,
            ["KmsKeyId"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { keyId, "Arn" } },
        });
    }

    [RequiresToolsFact("node")]
    public void SynthesisNeedsNoLookups()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(app.Directory, "manifest.json")));

        Assert.False(manifest.RootElement.TryGetProperty("missing", out _), "the app asked for context that only an AWS lookup could provide");
        Assert.All(
            manifest.RootElement.GetProperty("artifacts").EnumerateObject().Where(a => a.Value.GetProperty("type").GetString() == "aws:cloudformation:stack"),
            a => Assert.Equal("aws://unknown-account/eu-central-1", a.Value.GetProperty("environment").GetString()));
    }

    [RequiresToolsFact("node")]
    public void AnExistingVpcIsUsedByIdWithoutCreatingANetwork()
    {
        var shared = app.Environment("shared");
        var vpc = SynthesizedApp.SharedVpc;

        Assert.Null(shared.Network);
        Assert.DoesNotContain("Pulse-shared-Network", app.StackNames);
        app.Template("Pulse-shared-Data").ResourceCountIs("AWS::EC2::VPC", 0);
        app.Template("Pulse-shared-Service").ResourceCountIs("AWS::EC2::VPC", 0);

        app.Template("Pulse-shared-Data").HasResourceProperties("AWS::RDS::DBSubnetGroup", new Dictionary<string, object>
        {
            ["SubnetIds"] = vpc.DatabaseSubnetIds.ToArray(),
        });
        app.Template("Pulse-shared-Data").HasResourceProperties("AWS::EC2::SecurityGroup", new Dictionary<string, object> { ["VpcId"] = vpc.VpcId });
        var service = app.Sole("Pulse-shared-Service", "AWS::ECS::Service");
        Assert.Equal(vpc.AppSubnetIds, service.Prop("NetworkConfiguration").GetProperty("AwsvpcConfiguration").GetProperty("Subnets").Strings());
        var loadBalancer = app.Sole("Pulse-shared-Service", "AWS::ElasticLoadBalancingV2::LoadBalancer");
        Assert.Equal(vpc.PublicSubnetIds, loadBalancer.Prop("Subnets").Strings());
    }
}
