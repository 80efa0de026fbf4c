using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.APS;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SSM;
using Constructs;
using Pulse.Infra.Settings;

namespace Pulse.Infra.Constructs;

/// <summary>
/// Optional Prometheus on AWS: an Amazon Managed Service for Prometheus workspace and an ADOT collector
/// sidecar that scrapes the service's management port on the task's loopback and remote-writes to the
/// workspace with SigV4. Its configuration lives in SSM Parameter Store and reaches the collector as the
/// <c>AOT_CONFIG_CONTENT</c> secret.
/// <para>
/// Every task scrapes the same loopback address under the same job, so the scrape alone would give the series
/// of all tasks one identity and they would overwrite each other in the workspace. The <c>resourcedetection</c>
/// processor (ECS detector: task ARN, family, revision, cluster, zone from the task metadata endpoint) adds the
/// task's identity, and the exporter turns those resource attributes into labels on every series. The
/// <c>awsecscontainermetrics</c> receiver adds per-task and per-container CPU, memory, network and storage
/// from the same endpoint: what a node exporter gives on a host.
/// </para>
/// </summary>
internal sealed class PrometheusOnAws : Construct
{
    public const string ContainerName = "adot-collector";

    /// <summary>The variable the ADOT collector reads its whole configuration from.</summary>
    public const string ConfigVariable = "AOT_CONFIG_CONTENT";

    /// <summary>Memory set aside for the collector in the task; the service container's hard limit leaves it free.</summary>
    public const int MemoryReservationMiB = 128;

    /// <summary>The collector's hard memory limit: it is killed (not the service) if it ever grows past it.</summary>
    public const int MemoryLimitMiB = 256;

    /// <summary>The uid the collector runs as (the OpenTelemetry collector images' conventional unprivileged uid).</summary>
    public const string CollectorUser = "10001";

    /// <summary>How often the service is scraped and the container metrics are collected.</summary>
    public const int IntervalSeconds = 30;

    public PrometheusOnAws(Construct scope, string id, EnvironmentSettings settings, FargateTaskDefinition taskDefinition, ILogGroup logs)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(taskDefinition);

        Workspace = new CfnWorkspace(this, "Workspace", new CfnWorkspaceProps { Alias = settings.ResourcePrefix });

        Config = new StringParameter(this, "CollectorConfig", new StringParameterProps
        {
            ParameterName = $"/{settings.ResourcePrefix}/adot-collector-config",
            Description = "ADOT collector configuration: scrape the service's /metrics, remote-write to Amazon Managed Service for Prometheus",
            StringValue = CollectorConfig(Stack.Of(this).Region, Workspace.AttrPrometheusEndpoint),
            Tier = ParameterTier.STANDARD,
        });

        Container = taskDefinition.AddContainer(ContainerName, new ContainerDefinitionOptions
        {
            ContainerName = ContainerName,
            Image = ContainerImage.FromRegistry(settings.AdotCollectorImage),
            // Losing metrics must not take the service down with it.
            Essential = false,
            ReadonlyRootFilesystem = true,
            // An unprivileged uid, stated so ECS enforces it (Control Tower CT.ECS.PR.3): the collector reads its
            // configuration from the environment, writes nothing and listens on no privileged port.
            User = CollectorUser,
            MemoryReservationMiB = MemoryReservationMiB,
            MemoryLimitMiB = MemoryLimitMiB,
            Secrets = new Dictionary<string, Amazon.CDK.AWS.ECS.Secret> { [ConfigVariable] = Amazon.CDK.AWS.ECS.Secret.FromSsmParameter(Config) },
            HealthCheck = new Amazon.CDK.AWS.ECS.HealthCheck
            {
                Command = ["CMD", "/healthcheck"],
                Interval = Duration.Seconds(30),
                Timeout = Duration.Seconds(5),
                Retries = 3,
                StartPeriod = Duration.Seconds(15),
            },
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = logs, StreamPrefix = "adot" }),
        });

        taskDefinition.AddToTaskRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["aps:RemoteWrite"],
            Resources = [Workspace.AttrArn],
        }));

        _ = new CfnOutput(this, "PrometheusRemoteWriteUrl", new CfnOutputProps { Value = Workspace.AttrPrometheusEndpoint + "api/v1/remote_write" });
    }

    public CfnWorkspace Workspace { get; }

    public StringParameter Config { get; }

    public ContainerDefinition Container { get; }

    private const string EmptyMap = "{}";

    /// <summary>
    /// The collector's configuration: a Prometheus receiver scraping the management port on the task's
    /// loopback (awsvpc tasks share one network namespace) and the ECS container metrics receiver, the
    /// task's identity from resource detection, and a remote-write exporter signed with SigV4 that writes
    /// resource attributes as labels.
    /// </summary>
    public static string CollectorConfig(string region, string workspaceEndpoint) => string.Create(
        CultureInfo.InvariantCulture,
        $"""
        extensions:
          health_check:
            endpoint: 127.0.0.1:13133
          sigv4auth:
            region: {region}
            service: aps
        receivers:
          prometheus:
            config:
              global:
                scrape_interval: {IntervalSeconds}s
                scrape_timeout: 10s
              scrape_configs:
                - job_name: pulse-api
                  metrics_path: {ServiceContract.MetricsPath}
                  static_configs:
                    - targets: ['127.0.0.1:{ServiceContract.ManagementPort}']
          awsecscontainermetrics:
            collection_interval: {IntervalSeconds}s
        processors:
          resourcedetection:
            detectors: [env, ecs]
            timeout: 5s
            override: false
          batch: {EmptyMap}
        exporters:
          prometheusremotewrite:
            endpoint: {workspaceEndpoint}api/v1/remote_write
            auth:
              authenticator: sigv4auth
            resource_to_telemetry_conversion:
              enabled: true
        service:
          extensions: [health_check, sigv4auth]
          pipelines:
            metrics:
              receivers: [prometheus, awsecscontainermetrics]
              processors: [resourcedetection, batch]
              exporters: [prometheusremotewrite]
        """);
}
