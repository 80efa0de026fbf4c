using System.Text.Json;
using Amazon.CDK.Assertions;
using Pulse.Infra.Constructs;
using Pulse.Infra.Tests.Support;
using Pulse.Telemetry;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

[Collection(SynthesizedAppGroup.Name)]
public sealed class ServiceTests(SynthesizedApp app)
{
    private JsonElement ApiContainer(string env) =>
        app.Sole($"Pulse-{env}-Service", "AWS::ECS::TaskDefinition").Prop("ContainerDefinitions").EnumerateArray()
            .Single(c => c.GetProperty("Name").GetString() == ServiceContract.ContainerName);

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void RepositoryScansOnPushAndExpiresOldImages(string env)
    {
        var repository = app.Sole($"Pulse-{env}-Registry", "AWS::ECR::Repository");

        Assert.Equal($"pulse-{env}-api", repository.Prop("RepositoryName").GetString());
        Assert.True(repository.Prop("ImageScanningConfiguration").GetProperty("ScanOnPush").GetBoolean());
        Assert.Equal("IMMUTABLE", repository.Prop("ImageTagMutability").GetString());
        using var policy = JsonDocument.Parse(repository.Prop("LifecyclePolicy").GetProperty("LifecyclePolicyText").GetString()!);
        var rules = policy.RootElement.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("selection")).ToList();
        Assert.Contains(rules, s => s.GetProperty("tagStatus").GetString() == "untagged" && s.GetProperty("countType").GetString() == "sinceImagePushed" && s.GetProperty("countNumber").GetInt32() == 7);
        Assert.Contains(rules, s => s.GetProperty("tagStatus").GetString() == "any" && s.GetProperty("countType").GetString() == "imageCountMoreThan" && s.GetProperty("countNumber").GetInt32() == 50);
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void ClusterHasContainerInsightsAndFargateCapacityProviders(string env)
    {
        var template = app.Template($"Pulse-{env}-Service");

        template.HasResourceProperties("AWS::ECS::Cluster", new Dictionary<string, object>
        {
            ["ClusterName"] = $"pulse-{env}",
            ["ClusterSettings"] = new object[] { new Dictionary<string, object> { ["Name"] = "containerInsights", ["Value"] = "enabled" } },
        });
        template.HasResourceProperties("AWS::ECS::ClusterCapacityProviderAssociations", new Dictionary<string, object>
        {
            ["CapacityProviders"] = Match.ArrayWith(new object[] { "FARGATE", "FARGATE_SPOT" }),
        });
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void TaskRunsAsNonRootWithAReadOnlyRootFilesystemAndAWritableTmp(string env)
    {
        var settings = app.Environment(env).Settings;
        var container = ApiContainer(env);

        Assert.Equal(ServiceContract.User, container.GetProperty("User").GetString());
        Assert.True(container.GetProperty("ReadonlyRootFilesystem").GetBoolean());
        var mount = Assert.Single(container.GetProperty("MountPoints").EnumerateArray());
        Assert.Equal(("/tmp", "tmp", false), (mount.GetProperty("ContainerPath").GetString(), mount.GetProperty("SourceVolume").GetString(), mount.GetProperty("ReadOnly").GetBoolean()));
        app.Template($"Pulse-{env}-Service").HasResourceProperties("AWS::ECS::TaskDefinition", new Dictionary<string, object>
        {
            // A volume without a host path or EFS configuration is task storage: writable and discarded with the task.
            ["Volumes"] = new object[] { new Dictionary<string, object> { ["Name"] = "tmp" } },
            ["Cpu"] = settings.TaskCpu.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Memory"] = settings.TaskMemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RequiresCompatibilities"] = new[] { "FARGATE" },
            ["NetworkMode"] = "awsvpc",
        });
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void ContainerHealthCheckIsTheServicesOwnHealthcheckVerbAndStopsGracefully(string env)
    {
        var container = ApiContainer(env);

        Assert.Equal(["CMD", "dotnet", "Pulse.Api.dll", "healthcheck"], container.GetProperty("HealthCheck").GetProperty("Command").Strings());
        Assert.Equal(30, container.GetProperty("StopTimeout").GetInt32());
        Assert.True(container.GetProperty("Essential").GetBoolean());
        Assert.True(container.GetProperty("LinuxParameters").GetProperty("InitProcessEnabled").GetBoolean());
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void DatabaseCredentialsAreInjectedAsSecretsNeverAsPlainEnvironment(string env)
    {
        var container = ApiContainer(env);
        var secrets = container.GetProperty("Secrets").NameValues("ValueFrom");
        var environment = container.GetProperty("Environment").NameValues();

        var expected = new Dictionary<string, string>
        {
            ["Database__Postgres__Host"] = "host",
            ["Database__Postgres__Port"] = "port",
            ["Database__Postgres__Username"] = "username",
            ["Database__Postgres__Password"] = "password",
            ["Database__Postgres__Dbname"] = "dbname",
        };
        Assert.Equal(expected.Keys.Order(), secrets.Keys.Order());
        foreach (var (name, key) in expected)
        {
            Assert.Matches($@"^\$\{{Import:Pulse-{env}-Data:ExportsOutputRefDatabaseSecret\w+\}}:{key}::$", secrets[name]);
        }

        Assert.Equal("Postgres", environment["Database__Provider"]);
        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("Database__Postgres", StringComparison.Ordinal) || k.StartsWith("ConnectionStrings", StringComparison.Ordinal));

        // The execution role (which resolves secrets for the agent) may read exactly that secret.
        var policy = app.Resources($"Pulse-{env}-Service", "AWS::IAM::Policy").Single(p => p.Id.StartsWith("TaskDefinitionExecutionRole", StringComparison.Ordinal)).Resource;
        var statements = policy.Prop("PolicyDocument").GetProperty("Statement").EnumerateArray().ToList();
        Assert.Contains(statements, s => s.GetProperty("Action").GetRawText().Contains("secretsmanager:GetSecretValue", StringComparison.Ordinal)
            && Cfn.Flatten(s.GetProperty("Resource")).StartsWith($"${{Import:Pulse-{env}-Data:ExportsOutputRefDatabaseSecret", StringComparison.Ordinal));
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void ContainerEnvironmentCarriesTheEmfSettingsAndMovesMetricsToTheManagementPort(string env)
    {
        var container = ApiContainer(env);
        var environment = container.GetProperty("Environment").NameValues();

        Assert.Equal(EmfMetrics.DefaultNamespace, environment[EmfMetrics.NamespaceVariable]);
        Assert.Equal($"pulse-api-{env}", environment[EmfMetrics.ServiceNameVariable]);
        Assert.Equal("9464", environment["Telemetry__Prometheus__Port"]);
        Assert.Equal("8080", environment["ASPNETCORE_HTTP_PORTS"]);
        var port = Assert.Single(container.GetProperty("PortMappings").EnumerateArray());
        Assert.Equal(8080, port.GetProperty("ContainerPort").GetInt32());
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev", 3)]
    [InlineData("prod", 30)]
    [InlineData("shared", 7)]
    public void LogsGoThroughAwslogsToAGroupWithTheConfiguredRetention(string env, int days)
    {
        var logging = ApiContainer(env).GetProperty("LogConfiguration");
        var (groupId, _) = app.Resources($"Pulse-{env}-Service", "AWS::Logs::LogGroup").Single(g => g.Id.StartsWith("AppLogs", StringComparison.Ordinal));

        Assert.Equal("awslogs", logging.GetProperty("LogDriver").GetString());
        Assert.Equal(groupId, Cfn.ReferencedId(logging.GetProperty("Options").GetProperty("awslogs-group")));
        app.Template($"Pulse-{env}-Service").HasResourceProperties("AWS::Logs::LogGroup", new Dictionary<string, object>
        {
            ["LogGroupName"] = $"/pulse-{env}/service",
            ["RetentionInDays"] = days,
        });
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void ServiceRunsInPrivateSubnetsWithCircuitBreakerRollbackAndTheEnvironmentsRollingPercentages(string env)
    {
        var settings = app.Environment(env).Settings;
        var service = app.Sole($"Pulse-{env}-Service", "AWS::ECS::Service");

        app.Template($"Pulse-{env}-Service").HasResourceProperties("AWS::ECS::Service", new Dictionary<string, object>
        {
            ["DeploymentConfiguration"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["DeploymentCircuitBreaker"] = new Dictionary<string, object> { ["Enable"] = true, ["Rollback"] = true },
                ["MinimumHealthyPercent"] = settings.MinHealthyPercent,
                ["MaximumPercent"] = settings.MaxHealthyPercent,
            }),
            ["HealthCheckGracePeriodSeconds"] = 60,
            ["EnableExecuteCommand"] = settings.EcsExec,
            ["LaunchType"] = Match.Absent(),
        });
        var network = service.Prop("NetworkConfiguration").GetProperty("AwsvpcConfiguration");
        Assert.Equal("DISABLED", network.GetProperty("AssignPublicIp").GetString());
        var subnets = network.GetProperty("Subnets").Strings();
        Assert.Equal(settings.ExistingVpc?.AppSubnetIds.Count ?? settings.AzCount, subnets.Count);
        Assert.Equal(env == "shared" ? (50, 150) : (100, 200), (settings.MinHealthyPercent, settings.MaxHealthyPercent));
    }

    [RequiresToolsTheory("node")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void AnAutoscaledServiceCarriesNoDesiredCountSoADeploymentKeepsTheScaledCapacity(string env)
    {
        var settings = app.Environment(env).Settings;
        var template = app.Template($"Pulse-{env}-Service");

        Assert.True(settings.Autoscaling);
        template.HasResourceProperties("AWS::ECS::Service", new Dictionary<string, object> { ["DesiredCount"] = Match.Absent() });
        // The scalable target's minimum is what a new service is raised to.
        template.HasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", new Dictionary<string, object> { ["MinCapacity"] = settings.MinTasks });
    }

    [RequiresToolsFact("node")]
    public void WithoutAutoscalingTheServiceRunsItsDesiredCount()
    {
        var dev = app.Environment("dev").Settings;

        Assert.False(dev.Autoscaling);
        app.Template("Pulse-dev-Service").HasResourceProperties("AWS::ECS::Service", new Dictionary<string, object> { ["DesiredCount"] = dev.DesiredTasks });
        app.Template("Pulse-dev-Service").ResourceCountIs("AWS::ApplicationAutoScaling::ScalableTarget", 0);
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void ServiceDependsOnTheCapacityProviderAssociationSoTeardownDeletesItFirst(string env)
    {
        var stack = $"Pulse-{env}-Service";
        var (associationId, association) = app.Resources(stack, "AWS::ECS::ClusterCapacityProviderAssociations").Single();
        var (clusterId, _) = app.Resources(stack, "AWS::ECS::Cluster").Single();
        var service = app.Sole(stack, "AWS::ECS::Service");

        Assert.Equal(clusterId, Cfn.ReferencedId(association.Prop("Cluster")));
        Assert.Equal(["FARGATE", "FARGATE_SPOT"], association.Prop("CapacityProviders").Strings());
        Assert.Contains(associationId, service.GetProperty("DependsOn").Strings());
    }

    [RequiresToolsTheory("node")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void DeploymentAlarmsRollBackADeploymentWhenThe5xxRateLatencyOrAnSloFastBurnAlarmFires(string env)
    {
        var stack = $"Pulse-{env}-Service";
        var alarms = app.Sole(stack, "AWS::ECS::Service").Prop("DeploymentConfiguration").GetProperty("Alarms");
        var alarmNames = app.Resources(stack, "AWS::CloudWatch::Alarm").Concat(app.Resources(stack, "AWS::CloudWatch::CompositeAlarm"))
            .Select(a => a.Resource.Prop("AlarmName").GetString()).ToHashSet();

        Assert.True(alarms.GetProperty("Enable").GetBoolean());
        Assert.True(alarms.GetProperty("Rollback").GetBoolean());
        var names = alarms.GetProperty("AlarmNames").Strings().Order().ToList();
        Assert.Equal(
            new[] { $"pulse-{env}-http-5xx-rate", $"pulse-{env}-latency-p99" }
                .Concat(ServiceLevelObjectives.CommittedPlan.Objectives.Select(o => $"pulse-{env}-slo-{o.Name}-fast-burn"))
                .Order(),
            names);
        // By name, and every name is an alarm of this stack.
        Assert.All(names, n => Assert.Contains(n, alarmNames));
    }

    [RequiresToolsFact("node")]
    public void WithoutAlarmsTheCircuitBreakerAloneGuardsDeployments()
    {
        var configuration = app.Sole("Pulse-dev-Service", "AWS::ECS::Service").Prop("DeploymentConfiguration");

        Assert.False(configuration.TryGetProperty("Alarms", out _));
        Assert.True(configuration.GetProperty("DeploymentCircuitBreaker").GetProperty("Rollback").GetBoolean());
    }

    [RequiresToolsTheory("node")]
    [InlineData("prod", SynthesizedApp.ImageTag)]
    [InlineData("shared", SynthesizedApp.ImageTag)]
    public void TheImageIsTheConfiguredCommitOfTheEnvironmentsRepository(string env, string tag)
    {
        var image = Cfn.Flatten(ApiContainer(env).GetProperty("Image"));

        Assert.Matches($@"\.dkr\.ecr\..*/\$\{{Import:Pulse-{env}-Registry:ExportsOutputRefRepository\w+\}}:{tag}$", image);
        Assert.DoesNotContain(":latest", image, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Environments.Single(e => e.Settings.Name == env).Service.StackName, PulseApp.Errors(app.Directory).Select(e => e.Split(':')[0]));
    }

    [RequiresToolsFact("node")]
    public void WithoutAnImageTagTheServiceStackCarriesAnErrorNamingTheSettingAndRunsNoLatest()
    {
        var errors = PulseApp.Errors(app.Directory);

        var error = Assert.Single(errors);
        Assert.StartsWith("Pulse-dev-Service: dev.imageTag is not set", error, StringComparison.Ordinal);
        Assert.Contains("-c dev.imageTag=<commit>", error, StringComparison.Ordinal);
        Assert.DoesNotContain(":latest", Cfn.Flatten(ApiContainer("dev").GetProperty("Image")), StringComparison.Ordinal);
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev", 512)]
    [InlineData("prod", 1024 - 128)]
    public void TheServiceContainerHasAHardMemoryLimitThatLeavesTheSidecarItsReservation(string env, int limit)
    {
        Assert.Equal(limit, ApiContainer(env).GetProperty("Memory").GetInt32());
        foreach (var container in app.Sole($"Pulse-{env}-Service", "AWS::ECS::TaskDefinition").Prop("ContainerDefinitions").EnumerateArray())
        {
            Assert.True(container.GetProperty("Memory").GetInt32() <= app.Environment(env).Settings.TaskMemoryMiB);
            Assert.NotEqual("0", container.GetProperty("User").GetString());
        }
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev", "FARGATE_SPOT:0:100")]
    [InlineData("prod", "FARGATE:1:100")]
    [InlineData("shared", "FARGATE:1:30", "FARGATE_SPOT:0:70")]
    public void SpotShareBecomesCapacityProviderWeightsWithAnOnDemandBase(string env, params string[] expected)
    {
        var strategy = app.Sole($"Pulse-{env}-Service", "AWS::ECS::Service").Prop("CapacityProviderStrategy").EnumerateArray()
            .Select(s => $"{s.GetProperty("CapacityProvider").GetString()}:{(s.TryGetProperty("Base", out var b) ? b.GetInt32() : 0)}:{s.GetProperty("Weight").GetInt32()}");

        Assert.Equal(expected, strategy);
    }

    [RequiresToolsFact("node")]
    public void EcsExecIsEnabledOnlyWhereConfiguredAndThenWithAWritableRootFilesystem()
    {
        app.Template("Pulse-shared-Service").HasResourceProperties("AWS::ECS::Service", new Dictionary<string, object> { ["EnableExecuteCommand"] = true });
        Assert.False(ApiContainer("shared").GetProperty("ReadonlyRootFilesystem").GetBoolean());
        app.Template("Pulse-shared-Service").HasResourceProperties("AWS::IAM::Policy", new Dictionary<string, object>
        {
            ["PolicyDocument"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Statement"] = Match.ArrayWith(new object[]
                {
                    Match.ObjectLike(new Dictionary<string, object> { ["Action"] = Match.ArrayWith(new object[] { "ssmmessages:CreateControlChannel" }) }),
                }),
            }),
        });

        var devPolicies = app.Resources("Pulse-dev-Service", "AWS::IAM::Policy").Select(p => p.Resource.GetRawText());
        Assert.DoesNotContain(devPolicies, p => p.Contains("ssmmessages", StringComparison.Ordinal));
    }
}
