using System.Text.Json;
using Amazon.CDK.Assertions;
using Pulse.Infra.Tests.Support;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

[Collection(SynthesizedAppGroup.Name)]
public sealed class DataTests(SynthesizedApp app)
{
    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void DatabaseIsTheChosenPostgresVersionEncryptedWithTheStackKeyPrivateAndBackedUp(string env)
    {
        var settings = app.Environment(env).Settings;
        var (keyId, _) = app.Resources($"Pulse-{env}-Data", "AWS::KMS::Key").Single();

        app.Template($"Pulse-{env}-Data").HasResourceProperties("AWS::RDS::DBInstance", new Dictionary<string, object>
        {
            ["Engine"] = "postgres",
            ["EngineVersion"] = Stacks.DataStack.PostgresVersion,
            ["KmsKeyId"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { keyId, "Arn" } },
            ["EnableIAMDatabaseAuthentication"] = true,
            ["MonitoringInterval"] = 60,
            ["DBInstanceClass"] = "db." + settings.DatabaseInstanceClass,
            ["DBName"] = ServiceContract.DatabaseName,
            ["StorageEncrypted"] = true,
            ["PubliclyAccessible"] = false,
            ["BackupRetentionPeriod"] = settings.BackupRetentionDays,
            ["AllocatedStorage"] = settings.DatabaseStorageGiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["MaxAllocatedStorage"] = settings.DatabaseMaxStorageGiB,
            ["EnableCloudwatchLogsExports"] = new[] { "postgresql", "upgrade" },
        });
    }

    [Fact]
    public void ThePostgresVersionIsAFullMinorVersionOfACurrentMajor()
    {
        // A bare major ("17") or a deprecated minor (16.4) cannot create an instance; cfn-lint checks the
        // value against RDS's own list (CloudFormationToolTests), this checks its shape and the major.
        Assert.Matches(@"^\d+\.\d+$", Stacks.DataStack.PostgresVersion);
        Assert.StartsWith(Stacks.DataStack.PostgresMajorVersion + ".", Stacks.DataStack.PostgresVersion, StringComparison.Ordinal);
        Assert.True(int.Parse(Stacks.DataStack.PostgresMajorVersion, System.Globalization.CultureInfo.InvariantCulture) >= 17);
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev", false, "Delete")]
    [InlineData("prod", true, "Snapshot")]
    public void ProductionDatabaseIsMultiAzProtectedAndSnapshottedOnDelete(string env, bool protectedEnvironment, string deletionPolicy)
    {
        app.Template($"Pulse-{env}-Data").HasResource("AWS::RDS::DBInstance", new Dictionary<string, object>
        {
            ["DeletionPolicy"] = deletionPolicy,
            ["Properties"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["MultiAZ"] = protectedEnvironment,
                ["DeletionProtection"] = protectedEnvironment,
            }),
        });
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void DatabaseLivesInTheIsolatedSubnets(string env)
    {
        var subnets = app.Sole($"Pulse-{env}-Data", "AWS::RDS::DBSubnetGroup").Prop("SubnetIds").Strings();

        Assert.Equal(app.Environment(env).Settings.AzCount, subnets.Count);
        Assert.All(subnets, s => Assert.Matches(@"^\$\{Import:Pulse-\w+-Network:ExportsOutputRefVpcDatabaseSubnet\d", s));
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void CredentialsAreGeneratedIntoSecretsManagerWithTheDatabaseNameAndRotated(string env)
    {
        var template = app.Template($"Pulse-{env}-Data");
        var secret = app.Sole($"Pulse-{env}-Data", "AWS::SecretsManager::Secret");

        using var secretTemplate = JsonDocument.Parse(secret.Prop("GenerateSecretString").GetProperty("SecretStringTemplate").GetString()!);
        Assert.Equal("pulse", secretTemplate.RootElement.GetProperty("username").GetString());
        Assert.Equal(ServiceContract.DatabaseName, secretTemplate.RootElement.GetProperty("dbname").GetString());
        Assert.Equal("password", secret.Prop("GenerateSecretString").GetProperty("GenerateStringKey").GetString());

        // The attachment adds host, port and engine to the secret once the instance exists.
        template.HasResourceProperties("AWS::SecretsManager::SecretTargetAttachment", new Dictionary<string, object>
        {
            ["TargetType"] = "AWS::RDS::DBInstance",
        });
        template.HasResourceProperties("AWS::SecretsManager::RotationSchedule", new Dictionary<string, object>
        {
            ["RotationRules"] = new Dictionary<string, object> { ["ScheduleExpression"] = $"rate({app.Environment(env).Settings.SecretRotationDays} days)" },
        });
        template.ResourceCountIs("AWS::Serverless::Application", 1);
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void DatabaseSecurityGroupAdmitsOnlyTheServiceAndTheRotationFunction(string env)
    {
        var data = $"Pulse-{env}-Data";
        var service = $"Pulse-{env}-Service";
        var (groupId, group) = app.Resources(data, "AWS::EC2::SecurityGroup").Single(g => g.Id.StartsWith("DatabaseSecurityGroup", StringComparison.Ordinal));
        Assert.Equal(JsonValueKind.Undefined, group.Prop("SecurityGroupIngress").ValueKind);

        var sources = new List<string>();
        foreach (var stack in new[] { data, service })
        {
            foreach (var (_, rule) in app.Resources(stack, "AWS::EC2::SecurityGroupIngress"))
            {
                var target = Cfn.Flatten(rule.Prop("GroupId"));
                if (!target.Contains(groupId, StringComparison.Ordinal))
                {
                    continue;
                }

                Assert.Equal(JsonValueKind.Undefined, rule.Prop("CidrIp").ValueKind);
                // The port as a number, or as the instance's own endpoint port (the rotation rule's form).
                Assert.Matches(@"^(5432|\$\{Database\w+\.Endpoint\.Port\})$", Cfn.Flatten(rule.Prop("FromPort")));
                Assert.Equal(Cfn.Flatten(rule.Prop("FromPort")), Cfn.Flatten(rule.Prop("ToPort")));
                sources.Add(stack + ":" + Cfn.ReferencedId(rule.Prop("SourceSecurityGroupId")));
            }
        }

        Assert.Equal(2, sources.Count);
        Assert.Contains(sources, s => s.StartsWith(service + ":ServiceSecurityGroup", StringComparison.Ordinal));
        Assert.Contains(sources, s => s.StartsWith(data + ":DatabaseRotationSingleUserSecurityGroup", StringComparison.Ordinal));
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void BothPostgresLogTypesGoToEncryptedGroupsWithRetentionCreatedBeforeTheInstance(string env)
    {
        var stack = $"Pulse-{env}-Data";
        var (keyId, _) = app.Resources(stack, "AWS::KMS::Key").Single();
        var groups = app.Resources(stack, "AWS::Logs::LogGroup").ToList();

        Assert.Equal(2, groups.Count);
        foreach (var type in new[] { "postgresql", "upgrade" })
        {
            app.Template(stack).HasResourceProperties("AWS::Logs::LogGroup", new Dictionary<string, object>
            {
                ["LogGroupName"] = $"/aws/rds/instance/pulse-{env}-postgres/{type}",
                ["RetentionInDays"] = app.Environment(env).Settings.LogRetentionDays,
                ["KmsKeyId"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { keyId, "Arn" } },
            });
        }

        app.Template(stack).HasResource("AWS::RDS::DBInstance", new Dictionary<string, object>
        {
            ["DependsOn"] = Match.ArrayWith(groups.Select(g => (object)g.Id).ToArray()),
            ["Properties"] = Match.ObjectLike(new Dictionary<string, object> { ["DBInstanceIdentifier"] = $"pulse-{env}-postgres" }),
        });
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev", "Delete")]
    [InlineData("prod", "Retain")]
    public void TheDataKeyRotatesAdmitsLogsOnlyForItsGroupsAndOutlivesRetainedData(string env, string deletionPolicy)
    {
        var stack = $"Pulse-{env}-Data";
        var (_, key) = app.Resources(stack, "AWS::KMS::Key").Single();

        Assert.True(key.Prop("EnableKeyRotation").GetBoolean());
        Assert.Equal(deletionPolicy, key.GetProperty("DeletionPolicy").GetString());
        var statements = key.Prop("KeyPolicy").GetProperty("Statement").EnumerateArray().ToList();
        var logs = statements.Single(s => s.TryGetProperty("Sid", out var sid) && sid.GetString() == "CloudWatchLogsForTheseGroups");
        Assert.Equal(
            [$"arn:${{Ref:AWS::Partition}}:logs:eu-central-1:${{Ref:AWS::AccountId}}:log-group:/aws/rds/instance/pulse-{env}-postgres/postgresql", $"arn:${{Ref:AWS::Partition}}:logs:eu-central-1:${{Ref:AWS::AccountId}}:log-group:/aws/rds/instance/pulse-{env}-postgres/upgrade"],
            logs.GetProperty("Condition").GetProperty("ArnLike").GetProperty("kms:EncryptionContext:aws:logs:arn").Strings());
        var grants = statements.Single(s => s.TryGetProperty("Sid", out var sid) && sid.GetString() == "GrantsOnlyForAwsServices");
        Assert.Equal("Deny", grants.GetProperty("Effect").GetString());
        Assert.Equal("false", grants.GetProperty("Condition").GetProperty("BoolIfExists").GetProperty("kms:GrantIsForAWSResource").GetString());
    }
}
