using System.Text.Json;
using Pulse.Infra.Settings;

namespace Pulse.Infra.Tests;

/// <summary>Environment settings, their context overrides and the combinations that stop synthesis (no jsii here).</summary>
public sealed class SettingsTests
{
    private static IReadOnlyList<EnvironmentSettings> Resolve(Dictionary<string, object?> context) =>
        ContextOverrides.Resolve(key => context.GetValueOrDefault(key), context.Keys);

    private static InvalidSettingsException Rejects(Dictionary<string, object?> context) =>
        Assert.Throws<InvalidSettingsException>(() => Resolve(context));

    [Fact]
    public void WithoutContextBothShippedEnvironmentsAreValid()
    {
        var environments = Resolve([]);

        Assert.Equal(["dev", "prod"], environments.Select(e => e.Name));
        Assert.Empty(SettingsValidator.Validate(EnvironmentSettings.Dev));
        Assert.Empty(SettingsValidator.Validate(EnvironmentSettings.Prod));
    }

    [Fact]
    public void ProductionDefaultsAreMultiAzProtectedAndOnDemand()
    {
        var prod = EnvironmentSettings.Prod;

        Assert.True(prod.DatabaseMultiAz);
        Assert.True(prod.DeletionProtection);
        Assert.True(prod.RetainData);
        Assert.Equal(3, prod.AzCount);
        Assert.Equal(0, prod.SpotPercent);
        Assert.False(prod.PrometheusOnAws);
        Assert.True(prod.Autoscaling && prod.Alarms && prod.Dashboard);
        Assert.Equal(30, prod.LogRetentionDays);
    }

    [Fact]
    public void DevelopmentDefaultsSaveCostWithoutAutoscalingAlarmsOrDashboard()
    {
        var dev = EnvironmentSettings.Dev;

        Assert.Equal((false, false, false), (dev.Autoscaling, dev.Alarms, dev.Dashboard));
        Assert.Equal((1, 100, 3), (dev.DesiredTasks, dev.SpotPercent, dev.LogRetentionDays));
        Assert.False(dev.DatabaseMultiAz);
        Assert.Null(dev.ImageTag);
    }

    [Fact]
    public void TogglesAndRollingPercentagesAreSettingsOfEachEnvironment()
    {
        var environments = Resolve(new()
        {
            ["dev.autoscaling"] = "true",
            ["dev.alarms"] = "true",
            ["dev.dashboard"] = "true",
            ["prod.minHealthyPercent"] = "50",
            ["prod.maxHealthyPercent"] = "150",
        });

        var dev = environments.Single(e => e.Name == "dev");
        var prod = environments.Single(e => e.Name == "prod");
        Assert.Equal((true, true, true), (dev.Autoscaling, dev.Alarms, dev.Dashboard));
        Assert.Equal((50, 150), (prod.MinHealthyPercent, prod.MaxHealthyPercent));
        Assert.Equal((100, 200), (dev.MinHealthyPercent, dev.MaxHealthyPercent));
    }

    [Fact]
    public void CommandLineStringsOverrideSettingsOfTheirEnvironmentOnly()
    {
        var environments = Resolve(new()
        {
            ["prod.taskCpu"] = "1024",
            ["prod.taskMemoryMiB"] = "2048",
            ["prod.https"] = "true",
            ["prod.certificateArn"] = "arn:aws:acm:eu-central-1:123456789012:certificate/abc-123",
            ["prod.availabilityZones"] = "eu-central-1a, eu-central-1b,eu-central-1c",
            ["dev.alarms"] = "true",
            ["dev.alarmEmail"] = "dev@example.com",
        });

        var prod = environments.Single(e => e.Name == "prod");
        var dev = environments.Single(e => e.Name == "dev");
        Assert.Equal((1024, 2048, true), (prod.TaskCpu, prod.TaskMemoryMiB, prod.Https));
        Assert.Equal(["eu-central-1a", "eu-central-1b", "eu-central-1c"], prod.AvailabilityZones);
        Assert.Null(prod.AlarmEmail);
        Assert.Equal("dev@example.com", dev.AlarmEmail);
        Assert.Equal(EnvironmentSettings.Dev.TaskCpu, dev.TaskCpu);
    }

    [Fact]
    public void CdkJsonValuesKeepTheirJsonTypes()
    {
        using var json = JsonDocument.Parse("""{"dev.maxTasks": 4, "dev.ecsExec": false, "dev.vpcId": "vpc-0123456789abcdef0", "dev.vpcAvailabilityZones": ["eu-central-1a", "eu-central-1b"], "dev.vpcPublicSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], "dev.vpcAppSubnetIds": "subnet-1123456789abcdef0,subnet-1123456789abcdef1", "dev.vpcDatabaseSubnetIds": ["subnet-2123456789abcdef0", "subnet-2123456789abcdef1"], "environments": "dev"}""");
        var context = json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());

        var dev = Assert.Single(Resolve(context));

        Assert.Equal(4, dev.MaxTasks);
        Assert.Equal("vpc-0123456789abcdef0", dev.ExistingVpc?.VpcId);
        Assert.Equal(["subnet-1123456789abcdef0", "subnet-1123456789abcdef1"], dev.ExistingVpc?.AppSubnetIds);
    }

    [Fact]
    public void SwitchingDeletionProtectionOffForATeardownStillKeepsTheData()
    {
        var prod = Resolve(new() { ["prod.deletionProtection"] = "false" }).Single(e => e.Name == "prod");

        Assert.False(prod.DeletionProtection);
        Assert.True(prod.RetainData);
        Assert.Equal(Amazon.CDK.RemovalPolicy.RETAIN, Stacks.Retention.RemovalPolicyOf(prod));
    }

    [Fact]
    public void EnvironmentsContextSelectsWhatIsSynthesized()
    {
        Assert.Equal(["prod"], Resolve(new() { ["environments"] = "prod" }).Select(e => e.Name));
        Assert.Contains("Unknown environment 'staging'", Rejects(new() { ["environments"] = "dev,staging" }).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HttpsWithoutACertificateStopsSynthesisNamingTheSetting()
    {
        var error = Rejects(new() { ["prod.https"] = "true" });

        Assert.Contains("prod.https is true but prod.certificateArn is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACertificateWithoutHttpsOrFromAnotherRegionIsRejected()
    {
        Assert.Contains("set prod.https=true", Rejects(new() { ["prod.certificateArn"] = "arn:aws:acm:eu-central-1:123456789012:certificate/abc" }).Message, StringComparison.Ordinal);
        Assert.Contains(
            "an ALB needs a certificate from its own region",
            Rejects(new() { ["prod.https"] = "true", ["prod.certificateArn"] = "arn:aws:acm:us-east-1:123456789012:certificate/abc" }).Message,
            StringComparison.Ordinal);
        Assert.Contains("is not an ACM certificate ARN", Rejects(new() { ["prod.https"] = "true", ["prod.certificateArn"] = "my-cert" }).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("prod.minTasks", "11", "prod.minTasks (11) is greater than prod.maxTasks (10)")]
    [InlineData("prod.minTasks", "0", "prod.minTasks must be at least 1")]
    [InlineData("dev.desiredTasks", "0", "dev.desiredTasks must be at least 1 when dev.autoscaling is false")]
    [InlineData("prod.minHealthyPercent", "120", "prod.minHealthyPercent must be between 0 and 100")]
    [InlineData("prod.maxHealthyPercent", "100", "prod.maxHealthyPercent (100) must be between 100 and 400 and above prod.minHealthyPercent (100)")]
    [InlineData("dev.imageTag", "latest", "dev.imageTag 'latest' is refused: the repository holds immutable commit tags and no 'latest'. Deploy the commit CI pushed: -c dev.imageTag=<commit>.")]
    [InlineData("prod.imageTag", "LATEST", "prod.imageTag 'latest' is refused")]
    [InlineData("dev.alarmEmail", "dev@example.com", "dev.alarmEmail is set but dev.alarms is false")]
    [InlineData("dev.pageEmail", "oncall@example.com", "dev.pageEmail is set but dev.alarms is false")]
    [InlineData("dev.spotPercent", "101", "dev.spotPercent must be between 0 and 100")]
    [InlineData("dev.spotPercent", "-1", "dev.spotPercent must be between 0 and 100")]
    [InlineData("dev.taskMemoryMiB", "4096", "dev.taskMemoryMiB 4096 does not go with dev.taskCpu 256")]
    [InlineData("dev.taskCpu", "300", "dev.taskCpu 300 is not a Fargate CPU size")]
    [InlineData("dev.logRetentionDays", "10", "dev.logRetentionDays 10 is not a retention CloudWatch Logs accepts")]
    [InlineData("dev.natGateways", "0", "dev.natGateways must be between 1 and dev.azCount (2)")]
    [InlineData("dev.natGateways", "3", "dev.natGateways must be between 1 and dev.azCount (2)")]
    [InlineData("dev.azCount", "4", "dev.azCount must be 2 or 3")]
    [InlineData("dev.availabilityZones", "eu-central-1a", "dev.availabilityZones lists 1 zones but dev.azCount is 2")]
    [InlineData("dev.vpcCidr", "10.0.0.0/24", "must have a prefix between /16 and /20")]
    [InlineData("dev.backupRetentionDays", "0", "dev.backupRetentionDays must be between 1 and 35")]
    [InlineData("dev.databaseMaxStorageGiB", "10", "dev.databaseMaxStorageGiB (10) is below dev.databaseStorageGiB (20)")]
    [InlineData("dev.databaseInstanceClass", "db.t4g.micro", "without the db. prefix")]
    [InlineData("dev.alarmEmail", "not-an-address", "dev.alarmEmail 'not-an-address' is not an e-mail address")]
    [InlineData("dev.imageTag", "bad tag", "dev.imageTag 'bad tag' is not a valid image tag")]
    [InlineData("dev.region", "Frankfurt", "dev.region 'Frankfurt' is not a region name")]
    [InlineData("dev.taskCpu", "lots", "Context 'dev.taskCpu' must be a whole number (got 'lots')")]
    [InlineData("dev.https", "yes", "Context 'dev.https' must be true or false (got 'yes')")]
    public void InvalidValuesStopSynthesisWithAMessageNamingTheSetting(string key, string value, string message)
    {
        var error = Rejects(new() { [key] = value });

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EcsExecNeedsAWritableRootFilesystem()
    {
        Assert.Contains("dev.ecsExec needs a writable root filesystem", Rejects(new() { ["dev.ecsExec"] = "true" }).Message, StringComparison.Ordinal);
        Assert.True(Resolve(new() { ["dev.ecsExec"] = "true", ["dev.readOnlyRootFilesystem"] = "false" }).Single(e => e.Name == "dev").EcsExec);
    }

    [Fact]
    public void MisspeltSettingsAreNotSilentlyIgnored()
    {
        var error = Rejects(new() { ["prod.certificatArn"] = "arn:aws:acm:eu-central-1:123456789012:certificate/abc" });

        Assert.Contains("Unknown setting 'prod.certificatArn'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExistingVpcNeedsItsZonesAndOneSubnetPerZoneAndTier()
    {
        Assert.Contains("dev.vpcId is set, so these are required too", Rejects(new() { ["dev.vpcId"] = "vpc-0123456789abcdef0" }).Message, StringComparison.Ordinal);
        Assert.Contains("given without dev.vpcId", Rejects(new() { ["dev.vpcAppSubnetIds"] = "subnet-0123456789abcdef0" }).Message, StringComparison.Ordinal);

        var error = Rejects(new()
        {
            ["dev.vpcId"] = "vpc-0123456789abcdef0",
            ["dev.vpcAvailabilityZones"] = "eu-central-1a,eu-central-1b",
            ["dev.vpcPublicSubnetIds"] = "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
            ["dev.vpcAppSubnetIds"] = "subnet-1123456789abcdef0",
            ["dev.vpcDatabaseSubnetIds"] = "subnet-2123456789abcdef0,db-subnet",
        });
        Assert.Contains("dev.vpcAppSubnetIds must list one subnet per zone of dev.vpcAvailabilityZones (2), got 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("'db-subnet' is not a subnet id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var error = Rejects(new() { ["prod.minTasks"] = "20", ["dev.spotPercent"] = "150", ["prod.https"] = "true" });

        Assert.Equal(3, error.Errors.Count);
    }

    [Fact]
    public void EveryAcceptedRetentionMapsToACdkRetention()
    {
        foreach (var days in SettingsValidator.LogRetentionDaysAllowed)
        {
            _ = Stacks.Retention.Of(EnvironmentSettings.Dev with { LogRetentionDays = days });
        }

        Assert.Throws<InvalidSettingsException>(() => Stacks.Retention.Of(EnvironmentSettings.Dev with { LogRetentionDays = 13 }));
    }
}
