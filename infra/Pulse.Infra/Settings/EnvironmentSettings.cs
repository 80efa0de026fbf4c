using Pulse.Telemetry;

namespace Pulse.Infra.Settings;

/// <summary>
/// Everything that differs between deployment environments, in one place. The defaults for each
/// environment are <see cref="Dev"/> and <see cref="Prod"/>; CDK context overrides single values
/// (<c>-c prod.certificateArn=...</c>, see <see cref="ContextOverrides"/> and docs/deployment.md), and
/// <see cref="SettingsValidator"/> stops synthesis when a combination cannot work.
/// </summary>
internal sealed record EnvironmentSettings
{
    /// <summary>Environment name: part of every stack and resource name (<c>Pulse-dev-Service</c>).</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Region of every stack. A concrete region (rather than an environment-agnostic stack) is what ALB
    /// access logging needs to name the region's log-delivery principal; it needs no AWS call.
    /// </summary>
    public string Region { get; init; } = "eu-central-1";

    /// <summary>Account id, or null to deploy into whatever account the credentials belong to.</summary>
    public string? Account { get; init; }

    // ---- Network ----

    /// <summary>Availability zones the new VPC spans (2 or 3).</summary>
    public int AzCount { get; init; } = 2;

    /// <summary>
    /// Explicit availability-zone names (e.g. <c>eu-central-1a</c>), or empty to take the first
    /// <see cref="AzCount"/> zones of the region at deploy time (<c>Fn::GetAZs</c>, no lookup).
    /// </summary>
    public IReadOnlyList<string> AvailabilityZones { get; init; } = [];

    /// <summary>NAT gateways of the new VPC: 1 saves money, one per AZ survives the loss of an AZ.</summary>
    public int NatGateways { get; init; } = 1;

    /// <summary>Address range of the new VPC.</summary>
    public string VpcCidr { get; init; } = "10.0.0.0/16";

    /// <summary>Use this existing VPC instead of creating one (no lookup: ids come from context).</summary>
    public ExistingVpcSettings? ExistingVpc { get; init; }

    // ---- Service ----

    /// <summary>
    /// Image tag in the environment's ECR repository: the git commit the deploy workflow pushed. The
    /// repository's tags are immutable commits, so there is no default: without one the service stack carries
    /// a template rule that refuses to deploy (synthesis, diff and destroy still work), and <c>latest</c> is
    /// refused outright.
    /// </summary>
    public string? ImageTag { get; init; }

    /// <summary>Fargate task CPU units (256 = 0.25 vCPU).</summary>
    public int TaskCpu { get; init; } = 256;

    /// <summary>Fargate task memory in MiB; must be a valid pairing with <see cref="TaskCpu"/>.</summary>
    public int TaskMemoryMiB { get; init; } = 512;

    /// <summary>
    /// Scale the task count between <see cref="MinTasks"/> and <see cref="MaxTasks"/>. When on, the service
    /// template carries no desired count (a deployment must not reset what autoscaling chose); when off, the
    /// service runs <see cref="DesiredTasks"/>.
    /// </summary>
    public bool Autoscaling { get; init; } = true;

    /// <summary>Tasks the service runs when <see cref="Autoscaling"/> is off (ignored when it is on).</summary>
    public int DesiredTasks { get; init; } = 1;

    /// <summary>Autoscaling lower bound, and the task count a new service is raised to on its first deployment.</summary>
    public int MinTasks { get; init; } = 1;

    /// <summary>Autoscaling upper bound.</summary>
    public int MaxTasks { get; init; } = 2;

    /// <summary>
    /// Rolling deployment: the share of running tasks (percent of the current count) that must stay healthy
    /// while new tasks start. 100 never drops below the current count.
    /// </summary>
    public int MinHealthyPercent { get; init; } = 100;

    /// <summary>Rolling deployment: the most tasks (percent of the current count) running at once.</summary>
    public int MaxHealthyPercent { get; init; } = 200;

    /// <summary>
    /// Share of tasks on Fargate Spot in percent (0 to 100). Below 100 the first task is always on-demand
    /// (capacity provider base 1), so a Spot interruption never takes the whole service down.
    /// </summary>
    public int SpotPercent { get; init; }

    /// <summary>Target average CPU utilisation for scaling, in percent.</summary>
    public int CpuTargetPercent { get; init; } = 60;

    /// <summary>Target average memory utilisation for scaling, in percent.</summary>
    public int MemoryTargetPercent { get; init; } = 70;

    /// <summary>Target ALB requests per task per minute for scaling.</summary>
    public int RequestsPerTarget { get; init; } = 1000;

    /// <summary>Allow <c>aws ecs execute-command</c> into running tasks.</summary>
    public bool EcsExec { get; init; }

    /// <summary>Run the container with a read-only root filesystem (only <c>/tmp</c> writable).</summary>
    public bool ReadOnlyRootFilesystem { get; init; } = true;

    // ---- Database ----

    /// <summary>RDS instance class without the <c>db.</c> prefix, e.g. <c>t4g.micro</c>.</summary>
    public string DatabaseInstanceClass { get; init; } = "t4g.micro";

    /// <summary>Allocated storage in GiB.</summary>
    public int DatabaseStorageGiB { get; init; } = 20;

    /// <summary>Upper bound for storage autoscaling in GiB.</summary>
    public int DatabaseMaxStorageGiB { get; init; } = 50;

    /// <summary>Standby in a second AZ.</summary>
    public bool DatabaseMultiAz { get; init; }

    /// <summary>Deletion protection on the database and the load balancer (switch off before tearing down).</summary>
    public bool DeletionProtection { get; init; }

    /// <summary>
    /// What a stack deletion leaves behind: a final database snapshot and the log groups (true), or
    /// nothing (false). Independent of <see cref="DeletionProtection"/>, so that switching protection off
    /// for a teardown still keeps the snapshot.
    /// </summary>
    public bool RetainData { get; init; }

    /// <summary>Days of automated backups (1 to 35; fewer than 7 is reported as a Guard exception).</summary>
    public int BackupRetentionDays { get; init; } = 7;

    /// <summary>Days between automatic rotations of the database password.</summary>
    public int SecretRotationDays { get; init; } = 30;

    // ---- Load balancer ----

    /// <summary>Serve HTTPS on 443 and redirect HTTP to it; needs <see cref="CertificateArn"/>.</summary>
    public bool Https { get; init; }

    /// <summary>ACM certificate for the HTTPS listener, in <see cref="Region"/>.</summary>
    public string? CertificateArn { get; init; }

    // ---- Observability ----

    /// <summary>Retention of every log group this app creates, in days (a value CloudWatch Logs accepts).</summary>
    public int LogRetentionDays { get; init; } = 14;

    /// <summary>
    /// CloudWatch alarms, their SNS topics and the ECS deployment alarms. Off, the environment keeps its
    /// detection (task-failure events, rotation redeploys) and the deployment circuit breaker, but nothing
    /// alarms or notifies.
    /// </summary>
    public bool Alarms { get; init; } = true;

    /// <summary>The CloudWatch dashboard <c>Pulse-&lt;environment&gt;</c>.</summary>
    public bool Dashboard { get; init; } = true;

    /// <summary>E-mail address subscribed to the alarm topic (every alarm), or null for none.</summary>
    public string? AlarmEmail { get; init; }

    /// <summary>E-mail address subscribed to the paging topic (the alarms that page), or null for none.</summary>
    public string? PageEmail { get; init; }

    /// <summary>Amazon Managed Service for Prometheus workspace plus an ADOT collector sidecar.</summary>
    public bool PrometheusOnAws { get; init; }

    /// <summary>The ADOT collector image used when <see cref="PrometheusOnAws"/> is on.</summary>
    public string AdotCollectorImage { get; init; } = "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0";

    /// <summary>The <c>Service</c> dimension the service's EMF documents carry in this environment.</summary>
    public string EmfServiceName => $"{EmfMetrics.DefaultServiceName}-{Name}";

    /// <summary>Prefix of stack names.</summary>
    public string StackPrefix => $"Pulse-{Name}";

    /// <summary>Prefix of physical resource names (lower case).</summary>
    public string ResourcePrefix => $"pulse-{Name}";

    /// <summary>
    /// Development: one small task on Fargate Spot without autoscaling, alarms or dashboard, 3-day log
    /// retention, single-AZ database, nothing retained.
    /// </summary>
    public static EnvironmentSettings Dev { get; } = new()
    {
        Name = "dev",
        VpcCidr = "10.10.0.0/16",
        AzCount = 2,
        NatGateways = 1,
        TaskCpu = 256,
        TaskMemoryMiB = 512,
        Autoscaling = false,
        DesiredTasks = 1,
        MinTasks = 1,
        MaxTasks = 2,
        SpotPercent = 100,
        Alarms = false,
        Dashboard = false,
        LogRetentionDays = 3,
        DatabaseInstanceClass = "t4g.micro",
        DatabaseMultiAz = false,
        DeletionProtection = false,
        RetainData = false,
        BackupRetentionDays = 7,
    };

    /// <summary>
    /// Production: three AZs with a NAT gateway each, on-demand tasks scaling between 2 and 10, alarms and
    /// dashboard, multi-AZ protected database.
    /// </summary>
    public static EnvironmentSettings Prod { get; } = new()
    {
        Name = "prod",
        VpcCidr = "10.20.0.0/16",
        AzCount = 3,
        NatGateways = 3,
        TaskCpu = 512,
        TaskMemoryMiB = 1024,
        Autoscaling = true,
        MinTasks = 2,
        MaxTasks = 10,
        SpotPercent = 0,
        DatabaseInstanceClass = "t4g.medium",
        DatabaseStorageGiB = 50,
        DatabaseMaxStorageGiB = 200,
        DatabaseMultiAz = true,
        DeletionProtection = true,
        RetainData = true,
        BackupRetentionDays = 14,
        LogRetentionDays = 30,
    };

    /// <summary>The shipped environments by name.</summary>
    public static IReadOnlyDictionary<string, EnvironmentSettings> Defaults { get; } =
        new Dictionary<string, EnvironmentSettings>(StringComparer.Ordinal) { [Dev.Name] = Dev, [Prod.Name] = Prod };
}

/// <summary>
/// An existing VPC, described without a lookup: its id, zones and the subnets of each tier, one per zone,
/// in the zones' order.
/// </summary>
internal sealed record ExistingVpcSettings
{
    public required string VpcId { get; init; }

    public required IReadOnlyList<string> AvailabilityZones { get; init; }

    /// <summary>Subnets with a route to an internet gateway (the load balancer).</summary>
    public required IReadOnlyList<string> PublicSubnetIds { get; init; }

    /// <summary>Private subnets with a NAT route (the tasks).</summary>
    public required IReadOnlyList<string> AppSubnetIds { get; init; }

    /// <summary>Isolated subnets (the database).</summary>
    public required IReadOnlyList<string> DatabaseSubnetIds { get; init; }
}
