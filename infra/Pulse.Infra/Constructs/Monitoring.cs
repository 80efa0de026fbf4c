using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;
using Pulse.Infra.Settings;
using Pulse.Telemetry;

namespace Pulse.Infra.Constructs;

/// <summary>
/// The CloudWatch dashboard of seed 000 (plus load balancer and ECS widgets), the alarms and their SNS
/// topic, and Logs Insights queries over the service's logs. Every EMF metric is named by the constants
/// in <see cref="EmfMetrics"/> and read at a dimension set the service emits.
/// </summary>
internal sealed class Monitoring : Construct
{
    private static readonly Duration OneMinute = Duration.Minutes(1);

    private readonly EnvironmentSettings settings;

    public Monitoring(
        Construct scope,
        string id,
        EnvironmentSettings settings,
        FargateService service,
        PublicLoadBalancer ingress,
        TaskFailureDetection taskFailures,
        ILogGroup appLogs)
        : base(scope, id)
    {
        this.settings = settings;

        // CloudWatch publishes alarm notifications to an encrypted topic only if the key lets it use the key
        // (the AWS-managed SNS key does not), hence a customer-managed key:
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
        TopicKey = new Key(this, "AlarmTopicKey", new KeyProps
        {
            Description = $"Encrypts the {settings.ResourcePrefix} alarm topic",
            EnableKeyRotation = true,
            RemovalPolicy = RemovalPolicy.DESTROY,
            PendingWindow = Duration.Days(7),
        });
        TopicKey.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchAlarmsPublish",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resources = ["*"],
        }));
        Topic = new Topic(this, "AlarmTopic", new TopicProps
        {
            TopicName = $"{settings.ResourcePrefix}-alarms",
            DisplayName = $"Pulse {settings.Name} alarms",
            MasterKey = TopicKey,
        });
        // Once a topic has a policy, CloudWatch needs an explicit grant to publish alarm notifications.
        _ = Topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchAlarmsPublish",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["sns:Publish"],
            Resources = [Topic.TopicArn],
            Conditions = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(this).Account } },
        }));
        // TLS only. (TopicProps.EnforceSSL adds this statement only when another one is added, in this CDK version.)
        _ = Topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AllowPublishThroughSSLOnly",
            Effect = Effect.DENY,
            Principals = [new StarPrincipal()],
            Actions = ["sns:Publish"],
            Resources = [Topic.TopicArn],
            Conditions = new Dictionary<string, object> { ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" } },
        }));
        if (settings.AlarmEmail is { } email)
        {
            Topic.AddSubscription(new EmailSubscription(email));
        }

        var lb = ingress.LoadBalancer;
        var tg = ingress.TargetGroup;
        var action = new SnsAction(Topic);

        // ---- Alarms ----
        Alarms = [];

        // Seed 000's alarm, at the [Service] dimension set the service really emits.
        AddAlarm("ErrorCount", new Alarm(this, "HighErrorCount", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-high-error-count",
            AlarmDescription = "The service answered 4xx/5xx at least 5 times in 2 minutes (EMF ErrorCount).",
            Metric = Emf(EmfMetrics.Names.ErrorCount, Stats.SUM, Duration.Minutes(2)),
            Threshold = 5,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }), action);

        AddAlarm("5xx", new Alarm(this, "Http5xx", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-http-5xx",
            AlarmDescription = "More than 10 HTTP 5xx in 5 minutes: from the tasks (target 5xx) or from the load balancer itself (no healthy target, timeouts).",
            Metric = new MathExpression(new MathExpressionProps
            {
                Expression = "FILL(target5xx, 0) + FILL(elb5xx, 0)",
                Label = "HTTP 5xx",
                Period = Duration.Minutes(5),
                UsingMetrics = new Dictionary<string, IMetric>
                {
                    ["target5xx"] = lb.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Statistic = Stats.SUM, Period = Duration.Minutes(5) }),
                    ["elb5xx"] = lb.Metrics.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT, new MetricOptions { Statistic = Stats.SUM, Period = Duration.Minutes(5) }),
                },
            }),
            Threshold = 10,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }), action);

        AddAlarm("Latency", new Alarm(this, "HighLatencyP99", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-latency-p99",
            AlarmDescription = "p99 request latency above 2 s for 5 consecutive minutes (EMF RequestLatencyMs).",
            Metric = Emf(EmfMetrics.Names.RequestLatencyMs, Stats.P(99), OneMinute),
            Threshold = 2000,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            EvaluationPeriods = 5,
            DatapointsToAlarm = 5,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }), action);

        AddAlarm("Cpu", new Alarm(this, "HighCpu", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-cpu",
            AlarmDescription = "Service CPU above 80 % for 5 minutes: autoscaling is at its maximum or too slow.",
            Metric = service.MetricCpuUtilization(new MetricOptions { Statistic = Stats.AVERAGE, Period = OneMinute }),
            Threshold = 80,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            EvaluationPeriods = 5,
            DatapointsToAlarm = 5,
            TreatMissingData = TreatMissingData.MISSING,
        }), action);

        AddAlarm("Memory", new Alarm(this, "HighMemory", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-memory",
            AlarmDescription = "Service memory above 80 % for 5 minutes.",
            Metric = service.MetricMemoryUtilization(new MetricOptions { Statistic = Stats.AVERAGE, Period = OneMinute }),
            Threshold = 80,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            EvaluationPeriods = 5,
            DatapointsToAlarm = 5,
            TreatMissingData = TreatMissingData.MISSING,
        }), action);

        // Running below desired for 10 minutes in a row: long enough for a rolling deployment, a Spot
        // replacement or a scale-out to bring tasks up, short enough to catch a service that cannot.
        AddAlarm("RunningTasks", new Alarm(this, "TasksBelowDesired", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-tasks-below-desired",
            AlarmDescription = "Fewer tasks running than desired for 10 consecutive minutes (Container Insights).",
            Metric = new MathExpression(new MathExpressionProps
            {
                Expression = "FILL(desired, 0) - FILL(running, 0)",
                Label = "Missing tasks",
                Period = OneMinute,
                UsingMetrics = new Dictionary<string, IMetric>
                {
                    ["desired"] = ContainerInsights("DesiredTaskCount", service),
                    ["running"] = ContainerInsights("RunningTaskCount", service),
                },
            }),
            Threshold = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 10,
            DatapointsToAlarm = 10,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }), action);

        AddAlarm("UnhealthyTargets", new Alarm(this, "UnhealthyTargets", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-unhealthy-targets",
            AlarmDescription = "At least one target failed the /health/live check for 3 consecutive minutes.",
            Metric = tg.Metrics.UnhealthyHostCount(new MetricOptions { Statistic = Stats.MAXIMUM, Period = OneMinute }),
            Threshold = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 3,
            DatapointsToAlarm = 3,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }), action);

        AddAlarm("TaskFailures", new Alarm(this, "TaskFailuresAlarm", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-ecs-task-fail",
            AlarmDescription = "A task failed to start or its essential container exited (seed 003).",
            Metric = taskFailures.Metric,
            Threshold = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }), action);

        // ---- Dashboard ----
        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = $"Pulse-{settings.Name}",
            DefaultInterval = Duration.Hours(3),
        });
        Dashboard.AddWidgets(
            Graph("Request Count", [Emf(EmfMetrics.Names.RequestCount, Stats.SUM, OneMinute)]),
            Graph("Request Latency (ms)", [
                Emf(EmfMetrics.Names.RequestLatencyMs, Stats.AVERAGE, OneMinute, "Average"),
                Emf(EmfMetrics.Names.RequestLatencyMs, Stats.P(99), OneMinute, "p99"),
            ]),
            Graph("Error Count", [
                Emf(EmfMetrics.Names.ErrorCount, Stats.SUM, OneMinute, "4xx/5xx"),
                Emf(EmfMetrics.Names.ServerErrorCount, Stats.SUM, OneMinute, "5xx"),
            ]),
            Graph("Active Requests", [Emf(EmfMetrics.Names.ActiveRequests, Stats.MAXIMUM, OneMinute)]));
        Dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Endpoint Invocations",
                Width = 12,
                // Endpoints are route templates known only at run time: a search finds every one emitted.
                Left = [new MathExpression(new MathExpressionProps
                {
                    Expression = EndpointInvocationsSearch(settings),
                    Label = string.Empty,
                    Period = OneMinute,
                    UsingMetrics = new Dictionary<string, IMetric>(),
                })],
            }),
            new AlarmStatusWidget(new AlarmStatusWidgetProps
            {
                Title = "Alarms",
                Width = 12,
                Alarms = [.. Alarms.Values],
            }));
        Dashboard.AddWidgets(
            Graph("Load balancer requests", [lb.Metrics.RequestCount(new MetricOptions { Statistic = Stats.SUM, Period = OneMinute })]),
            Graph("Target response time (s)", [
                lb.Metrics.TargetResponseTime(new MetricOptions { Statistic = Stats.AVERAGE, Period = OneMinute, Label = "Average" }),
                lb.Metrics.TargetResponseTime(new MetricOptions { Statistic = Stats.P(99), Period = OneMinute, Label = "p99" }),
            ]),
            Graph("HTTP 5xx", [
                lb.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Statistic = Stats.SUM, Period = OneMinute, Label = "Target 5xx" }),
                lb.Metrics.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT, new MetricOptions { Statistic = Stats.SUM, Period = OneMinute, Label = "Load balancer 5xx" }),
            ]),
            Graph("Targets", [
                tg.Metrics.HealthyHostCount(new MetricOptions { Statistic = Stats.MINIMUM, Period = OneMinute, Label = "Healthy" }),
                tg.Metrics.UnhealthyHostCount(new MetricOptions { Statistic = Stats.MAXIMUM, Period = OneMinute, Label = "Unhealthy" }),
            ]));
        Dashboard.AddWidgets(
            Graph("ECS CPU / memory (%)", [
                service.MetricCpuUtilization(new MetricOptions { Statistic = Stats.AVERAGE, Period = OneMinute, Label = "CPU" }),
                service.MetricMemoryUtilization(new MetricOptions { Statistic = Stats.AVERAGE, Period = OneMinute, Label = "Memory" }),
            ]),
            Graph("ECS tasks", [
                ContainerInsights("RunningTaskCount", service, "Running"),
                ContainerInsights("DesiredTaskCount", service, "Desired"),
                ContainerInsights("PendingTaskCount", service, "Pending"),
            ]),
            Graph("Failed tasks", [taskFailures.Metric]),
            new LogQueryWidget(new LogQueryWidgetProps
            {
                Title = "Recent task failures",
                Width = 6,
                LogGroupNames = [taskFailures.LogGroup.LogGroupName],
                QueryLines = ["fields @timestamp, detail.stopCode, detail.stoppedReason", "sort @timestamp desc", "limit 20"],
            }));

        // ---- Logs Insights over the service's EMF documents ----
        EmfQuery = new QueryDefinition(this, "EmfDocuments", new QueryDefinitionProps
        {
            QueryDefinitionName = $"{settings.ResourcePrefix}/emf-requests",
            LogGroups = [appLogs],
            QueryString = new QueryString(new QueryStringProps
            {
                Fields =
                [
                    "@timestamp", EmfMetrics.Dimensions.Service, EmfMetrics.Dimensions.Endpoint, EmfMetrics.Names.RequestCount,
                    EmfMetrics.Names.ErrorCount, EmfMetrics.Names.ServerErrorCount, "@logStream",
                ],
                FilterStatements = ["ispresent(_aws.CloudWatchMetrics.0.Namespace)"],
                Sort = "@timestamp desc",
                Limit = 100,
            }),
        });
        ErrorsByEndpointQuery = new QueryDefinition(this, "ErrorsByEndpoint", new QueryDefinitionProps
        {
            QueryDefinitionName = $"{settings.ResourcePrefix}/errors-by-endpoint",
            LogGroups = [appLogs],
            QueryString = new QueryString(new QueryStringProps
            {
                FilterStatements = [$"ispresent({EmfMetrics.Dimensions.Endpoint})", $"{EmfMetrics.Names.ErrorCount} > 0"],
                Stats = $"sum({EmfMetrics.Names.ErrorCount}) as errors by {EmfMetrics.Dimensions.Endpoint}, bin(5m)",
                Sort = "errors desc",
            }),
        });
    }

    public Key TopicKey { get; }

    public Topic Topic { get; }

    /// <summary>The alarms by their role (ErrorCount, 5xx, Latency, Cpu, Memory, RunningTasks, UnhealthyTargets, TaskFailures).</summary>
    public Dictionary<string, Alarm> Alarms { get; }

    public Dashboard Dashboard { get; }

    public QueryDefinition EmfQuery { get; }

    public QueryDefinition ErrorsByEndpointQuery { get; }

    /// <summary>
    /// The search behind the Endpoint Invocations widget: every <c>EndpointInvocations</c> series of this
    /// service at the <c>[Service, Endpoint]</c> dimension set, summed per minute.
    /// </summary>
    public static string EndpointInvocationsSearch(EnvironmentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var schema = string.Join(',', new[] { EmfMetrics.DefaultNamespace }.Concat(EmfMetrics.EndpointDimensions));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"SEARCH('{{{schema}}} MetricName=\"{EmfMetrics.Names.EndpointInvocations}\" {EmfMetrics.Dimensions.Service}=\"{settings.EmfServiceName}\"', 'Sum', 60)");
    }

    private Metric Emf(string name, string statistic, Duration period, string? label = null) => new(new MetricProps
    {
        Namespace = EmfMetrics.DefaultNamespace,
        MetricName = name,
        DimensionsMap = new Dictionary<string, string> { [EmfMetrics.Dimensions.Service] = settings.EmfServiceName },
        Statistic = statistic,
        Period = period,
        Label = label,
    });

    private static Metric ContainerInsights(string name, FargateService service, string? label = null) => new(new MetricProps
    {
        Namespace = "ECS/ContainerInsights",
        MetricName = name,
        DimensionsMap = new Dictionary<string, string>
        {
            ["ClusterName"] = service.Cluster.ClusterName,
            ["ServiceName"] = service.ServiceName,
        },
        Statistic = Stats.AVERAGE,
        Period = OneMinute,
        Label = label,
    });

    private static GraphWidget Graph(string title, IMetric[] left) => new(new GraphWidgetProps
    {
        Title = title,
        Left = left,
        Width = 6,
        Height = 6,
    });

    private void AddAlarm(string role, Alarm alarm, SnsAction action)
    {
        alarm.AddAlarmAction(action);
        alarm.AddOkAction(action);
        Alarms[role] = alarm;
    }
}
