using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Pulse.Infra.Constructs;
using Pulse.Infra.Settings;
using Pulse.Slo.CloudWatch;
using Pulse.Telemetry;

namespace Pulse.Infra.Stacks;

/// <summary>
/// The running service: ECS cluster, Fargate task and service in the app subnets behind the public ALB,
/// autoscaling, the CloudWatch dashboard and alarms, task-failure detection, the redeploy after each password
/// rotation, the service level objectives' burn-rate alarms (from the SLO alarm plan) and, optionally,
/// Prometheus on AWS.
/// </summary>
internal sealed class ServiceStack : Stack
{
    /// <summary>The namespace the container writes its EMF metrics to (AWS_EMF_NAMESPACE), and where the alarms read them.</summary>
    private const string EmfNamespace = EmfMetrics.DefaultNamespace;

    public ServiceStack(
        Construct scope,
        string id,
        EnvironmentSettings settings,
        NetworkStack? networkStack,
        IRepository repository,
        DataStack data,
        AlarmPlan sloPlan,
        IStackProps props)
        : base(scope, id, props)
    {
        var network = Network.For(this, settings, networkStack);

        var eventLogs = new EventLogDelivery(this, "EventLogs", settings);
        Key = new StackKey(
            this,
            "Encryption",
            settings,
            "service, event and state machine logs, alarm topics",
            $"/{settings.ResourcePrefix}/service",
            TaskFailureDetection.LogGroupName(settings),
            SecretRotationRedeploy.FailureLogGroupName(settings),
            SecretRotationRedeploy.StateMachineLogGroupName(settings));

        Cluster = new Cluster(this, "Cluster", new ClusterProps
        {
            ClusterName = settings.ResourcePrefix,
            Vpc = network.Vpc,
            ContainerInsights = true,
        });
        // Declared here rather than by the cluster's enableFargateCapacityProviders, so that the service can
        // depend on it: CloudFormation then deletes the service before the association, and a teardown does
        // not fail with "The capacity provider is in use".
        CapacityProviderAssociation = new CfnClusterCapacityProviderAssociations(this, "CapacityProviders", new CfnClusterCapacityProviderAssociationsProps
        {
            Cluster = Cluster.ClusterName,
            CapacityProviders = ["FARGATE", "FARGATE_SPOT"],
            DefaultCapacityProviderStrategy = Array.Empty<CfnClusterCapacityProviderAssociations.ICapacityProviderStrategyProperty>(),
        });

        AppLogs = Key.LogGroup(this, "AppLogs", $"/{settings.ResourcePrefix}/service");

        TaskDefinition = new FargateTaskDefinition(this, "TaskDefinition", new FargateTaskDefinitionProps
        {
            Family = $"{settings.ResourcePrefix}-api",
            Cpu = settings.TaskCpu,
            MemoryLimitMiB = settings.TaskMemoryMiB,
            RuntimePlatform = new RuntimePlatform
            {
                CpuArchitecture = CpuArchitecture.X86_64,
                OperatingSystemFamily = OperatingSystemFamily.LINUX,
            },
            Volumes = [new Amazon.CDK.AWS.ECS.Volume { Name = "tmp" }],
        });

        Container = TaskDefinition.AddContainer(ServiceContract.ContainerName, new ContainerDefinitionOptions
        {
            ContainerName = ServiceContract.ContainerName,
            Image = ContainerImage.FromEcrRepository(repository, settings.ImageTag ?? UnsetImageTag),
            Essential = true,
            // A hard limit (Control Tower CT.ECS.PR.7) that leaves the collector sidecar its reservation.
            MemoryLimitMiB = settings.TaskMemoryMiB - (settings.PrometheusOnAws ? PrometheusOnAws.MemoryReservationMiB : 0),
            User = ServiceContract.User,
            ReadonlyRootFilesystem = settings.ReadOnlyRootFilesystem,
            PortMappings = [new PortMapping { Name = "http", ContainerPort = ServiceContract.HttpPort, Protocol = Amazon.CDK.AWS.ECS.Protocol.TCP }],
            Environment = new Dictionary<string, string>
            {
                [ServiceContract.Environment.HttpPorts] = ServiceContract.HttpPort.ToString(CultureInfo.InvariantCulture),
                [ServiceContract.Environment.PrometheusPort] = ServiceContract.ManagementPort.ToString(CultureInfo.InvariantCulture),
                [ServiceContract.Environment.DatabaseProvider] = ServiceContract.Environment.PostgresProvider,
                [EmfMetrics.NamespaceVariable] = EmfNamespace,
                [EmfMetrics.ServiceNameVariable] = settings.EmfServiceName,
            },
            // Credentials reach the container only as ECS secrets, resolved by the agent from the secret's JSON keys.
            Secrets = ServiceContract.Environment.DatabaseSecretKeys.ToDictionary(
                pair => pair.Key,
                pair => Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(data.Secret, pair.Value)),
            HealthCheck = new Amazon.CDK.AWS.ECS.HealthCheck
            {
                Command = [.. ServiceContract.HealthCheckCommand],
                Interval = Duration.Seconds(15),
                Timeout = Duration.Seconds(5),
                Retries = 3,
                StartPeriod = Duration.Seconds(30),
            },
            // After the load balancer has drained the task, ASP.NET Core gets this long to finish requests.
            StopTimeout = Duration.Seconds(30),
            LinuxParameters = new LinuxParameters(this, "LinuxParameters", new LinuxParametersProps { InitProcessEnabled = true }),
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = AppLogs, StreamPrefix = "api" }),
        });
        Container.AddMountPoints(new MountPoint { SourceVolume = "tmp", ContainerPath = "/tmp", ReadOnly = false });

        if (settings.PrometheusOnAws)
        {
            Prometheus = new PrometheusOnAws(this, "Prometheus", settings, TaskDefinition, AppLogs);
        }

        LoadBalancer = new PublicLoadBalancer(this, "Ingress", settings, network);

        ServiceSecurityGroup = new SecurityGroup(this, "ServiceSecurityGroup", new SecurityGroupProps
        {
            Vpc = network.Vpc,
            Description = "Pulse tasks: the service port from the load balancer only",
            AllowAllOutbound = false,
        });
        // AWS APIs (ECR, Secrets Manager, CloudWatch Logs, SSM, Prometheus remote write) through NAT.
        ServiceSecurityGroup.AddEgressRule(Peer.AnyIpv4(), Port.Tcp(443), "HTTPS to AWS APIs through NAT");
        ServiceSecurityGroup.AddEgressRule(data.SecurityGroup, Port.Tcp(DataStack.PostgresPort), "PostgreSQL");
        // The rule lives in this stack (remote rule) so the data stack does not depend on the service stack.
        data.SecurityGroup.AddIngressRule(ServiceSecurityGroup, Port.Tcp(DataStack.PostgresPort), "PostgreSQL from the Pulse service", remoteRule: true);

        Service = new FargateService(this, "Service", new FargateServiceProps
        {
            Cluster = Cluster,
            TaskDefinition = TaskDefinition,
            // With autoscaling, no desired count: CloudFormation would set it back on every deployment (a new
            // image tag) and undo what autoscaling chose. A new service starts with one task, and registering
            // the scalable target moves an active service's count into [min, max]
            // (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html).
            DesiredCount = settings.Autoscaling ? null : settings.DesiredTasks,
            VpcSubnets = network.AppSubnets,
            SecurityGroups = [ServiceSecurityGroup],
            AssignPublicIp = false,
            PlatformVersion = FargatePlatformVersion.LATEST,
            CapacityProviderStrategies = CapacityProviders(settings),
            CircuitBreaker = new DeploymentCircuitBreaker { Enable = true, Rollback = true },
            // Rolling deployment; the defaults (100/200) never drop below the running count.
            MinHealthyPercent = settings.MinHealthyPercent,
            MaxHealthyPercent = settings.MaxHealthyPercent,
            HealthCheckGracePeriod = Duration.Seconds(60),
            EnableExecuteCommand = settings.EcsExec,
            PropagateTags = PropagatedTagSource.SERVICE,
            EnableECSManagedTags = true,
        });
        Service.Node.AddDependency(CapacityProviderAssociation);
        LoadBalancer.TargetGroup.AddTarget(Service.LoadBalancerTarget(new LoadBalancerTargetOptions
        {
            ContainerName = ServiceContract.ContainerName,
            ContainerPort = ServiceContract.HttpPort,
        }));

        if (settings.Autoscaling)
        {
            Scaling = Service.AutoScaleTaskCount(new Amazon.CDK.AWS.ApplicationAutoScaling.EnableScalingProps
            {
                MinCapacity = settings.MinTasks,
                MaxCapacity = settings.MaxTasks,
            });
            Scaling.ScaleOnCpuUtilization("Cpu", new CpuUtilizationScalingProps
            {
                TargetUtilizationPercent = settings.CpuTargetPercent,
                ScaleOutCooldown = Duration.Seconds(60),
                ScaleInCooldown = Duration.Seconds(180),
            });
            Scaling.ScaleOnMemoryUtilization("Memory", new MemoryUtilizationScalingProps
            {
                TargetUtilizationPercent = settings.MemoryTargetPercent,
                ScaleOutCooldown = Duration.Seconds(60),
                ScaleInCooldown = Duration.Seconds(180),
            });
            Scaling.ScaleOnRequestCount("Requests", new RequestCountScalingProps
            {
                RequestsPerTarget = settings.RequestsPerTarget,
                TargetGroup = LoadBalancer.TargetGroup,
                ScaleOutCooldown = Duration.Seconds(60),
                ScaleInCooldown = Duration.Seconds(180),
            });
        }

        TaskFailures = new TaskFailureDetection(this, "TaskFailures", settings, Cluster, Key, eventLogs);
        RotationRedeploy = new SecretRotationRedeploy(this, "RotationRedeploy", settings, data.Secret, Service, Key, eventLogs);
        Monitoring = new Monitoring(this, "Monitoring", settings, Service, LoadBalancer, TaskFailures, RotationRedeploy, AppLogs, Key);

        // The SLO burn-rate alarms follow the alarms setting, like every other alarm (they notify the same topics).
        if (Monitoring.Topic is { } alarmTopic && Monitoring.PageTopic is { } pageTopic)
        {
            ServiceLevelObjectives = new ServiceLevelObjectives(this, "ServiceLevelObjectives", settings, sloPlan, EmfNamespace, alarmTopic, pageTopic);
            Monitoring.DeploymentAlarms.AddRange(ServiceLevelObjectives.DeploymentGates.Select(g => g.AlarmName!));
            if (Monitoring.Dashboard is { } sloDashboard)
            {
                ServiceLevelObjectives.AddWidgets(sloDashboard);
            }
        }

        // Next to the circuit breaker (tasks that never become healthy), the deployment alarms roll back a
        // deployment whose healthy tasks fail users (and, through the SLO fast-burn composites, one that burns the
        // error budget fast); Monitoring.DeploymentAlarms is the one list to extend.
        if (Monitoring.DeploymentAlarms.Count > 0)
        {
            Service.EnableDeploymentAlarms(
                [.. Monitoring.DeploymentAlarms],
                new DeploymentAlarmOptions { Behavior = AlarmBehavior.ROLLBACK_ON_ALARM });
        }

        // Named rather than referenced (the list holds names), so CloudFormation would not know the service needs
        // them: the composites read only EMF metrics, never the service, so the service can depend on them, and
        // every alarm a deployment watches exists before the first deployment starts.
        if (ServiceLevelObjectives is not null)
        {
            Service.Node.AddDependency(ServiceLevelObjectives.DeploymentGates.ToArray<IDependable>());
        }

        if (settings.ImageTag is null)
        {
            // Refuses `cdk synth` and `cdk deploy` of this stack (and stops `dotnet run`), while `cdk destroy`,
            // `cdk ls` and the registry stack's deployment, which need no image, still work.
            Annotations.Of(this).AddError(
                $"{settings.Name}.imageTag is not set: this stack would run {settings.ResourcePrefix}-api:{UnsetImageTag}, which does not exist. " +
                $"Deploy the commit CI pushed: -c {settings.Name}.imageTag=<commit>.");
        }

        SuppressNagFindings(settings);
        if (!settings.Https && settings.RetainData)
        {
            Annotations.Of(this).AddWarning($"{settings.Name} serves plain HTTP: set {settings.Name}.https=true and {settings.Name}.certificateArn (docs/deployment.md).");
        }

        var scheme = settings.Https ? "https" : "http";
        _ = new CfnOutput(this, "ServiceUrl", new CfnOutputProps { Value = $"{scheme}://{LoadBalancer.LoadBalancer.LoadBalancerDnsName}", Description = "Point a DNS name at the load balancer for HTTPS" });
        _ = new CfnOutput(this, "ClusterName", new CfnOutputProps { Value = Cluster.ClusterName });
        _ = new CfnOutput(this, "ServiceName", new CfnOutputProps { Value = Service.ServiceName });
        if (Monitoring.Dashboard is { } dashboard)
        {
            _ = new CfnOutput(this, "DashboardName", new CfnOutputProps { Value = dashboard.DashboardName });
        }
    }

    /// <summary>The tag the task definition names when no <c>imageTag</c> is set; the stack then refuses to deploy.</summary>
    public const string UnsetImageTag = "image-tag-not-set";

    public StackKey Key { get; }

    public Cluster Cluster { get; }

    public CfnClusterCapacityProviderAssociations CapacityProviderAssociation { get; }

    public LogGroup AppLogs { get; }

    public FargateTaskDefinition TaskDefinition { get; }

    public ContainerDefinition Container { get; }

    public PrometheusOnAws? Prometheus { get; }

    public PublicLoadBalancer LoadBalancer { get; }

    public SecurityGroup ServiceSecurityGroup { get; }

    public FargateService Service { get; }

    /// <summary>The task count's scaling, or null when the environment's autoscaling is off.</summary>
    public ScalableTaskCount? Scaling { get; }

    public TaskFailureDetection TaskFailures { get; }

    public SecretRotationRedeploy RotationRedeploy { get; }

    public Monitoring Monitoring { get; }

    /// <summary>The SLO burn-rate and composite alarms, or null when the environment's alarms are off.</summary>
    public ServiceLevelObjectives? ServiceLevelObjectives { get; }

    /// <summary>
    /// On-demand and Spot weights from <see cref="EnvironmentSettings.SpotPercent"/>; below 100 % Spot the
    /// first task (base 1) is always on-demand. Always a strategy, never a launch type, so that changing the
    /// share later is an update rather than a replacement of the service.
    /// </summary>
    public static CapacityProviderStrategy[] CapacityProviders(EnvironmentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var strategies = new List<CapacityProviderStrategy>();
        if (settings.SpotPercent < 100)
        {
            strategies.Add(new CapacityProviderStrategy { CapacityProvider = "FARGATE", Base = 1, Weight = 100 - settings.SpotPercent });
        }

        if (settings.SpotPercent > 0)
        {
            strategies.Add(new CapacityProviderStrategy { CapacityProvider = "FARGATE_SPOT", Weight = settings.SpotPercent });
        }

        return [.. strategies];
    }

    private void SuppressNagFindings(EnvironmentSettings settings)
    {
        Nag.Suppress(
            TaskDefinition,
            new NagSuppression("AwsSolutions-ECS2", "The environment holds only non-secret settings (ports, provider, EMF namespace and service name); database credentials are ECS secrets from Secrets Manager."));
        if (!settings.ReadOnlyRootFilesystem)
        {
            Guard.Suppress(
                TaskDefinition,
                new GuardSuppression("CT.ECS.PR.6", $"{settings.Name}.readOnlyRootFilesystem is false, which ECS Exec ({settings.Name}.ecsExec) needs: its SSM agent writes into the container."));
        }

        // The execution role's policy: ecr:GetAuthorizationToken has no resource-level permissions.
        if (TaskDefinition.ExecutionRole?.Node.TryFindChild("DefaultPolicy") is IConstruct executionPolicy)
        {
            Nag.Suppress(
                executionPolicy,
                new NagSuppression("AwsSolutions-IAM5", "ecr:GetAuthorizationToken supports only the * resource; image pulls are limited to the environment's repository.", "Resource::*"));
        }

        if (settings.EcsExec && TaskDefinition.TaskRole.Node.TryFindChild("DefaultPolicy") is IConstruct taskPolicy)
        {
            Nag.Suppress(
                taskPolicy,
                new NagSuppression("AwsSolutions-IAM5", "ECS Exec's ssmmessages channel actions support only the * resource (switched on per environment by the ecsExec setting).", "Resource::*"));
        }
    }
}
