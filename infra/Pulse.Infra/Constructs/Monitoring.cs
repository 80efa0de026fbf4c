using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;
using Pulse.Infra.Settings;
using Pulse.Telemetry;

namespace Pulse.Infra.Constructs;

/// <summary>
/// The CloudWatch dashboard (the service's EMF widgets first, then load balancer and ECS widgets), the
/// alarms and their SNS topics, and Logs Insights queries over the service's logs; alarms and dashboard each
/// switchable per environment. Every EMF metric is named by the constants in <see cref="EmfMetrics"/> and
/// read at a dimension set the service emits.
/// <para>
/// Two topics: every alarm notifies <c>&lt;prefix&gt;-alarms</c> (the team's record, <c>alarmEmail</c>);
/// the alarms in <see cref="PagingRoles"/> also notify <c>&lt;prefix&gt;-page</c> (on-call, <c>pageEmail</c>),
/// because they mean users are failing now or soon.
/// </para>
/// </summary>
internal sealed class Monitoring : Construct
{
    private static readonly Duration OneMinute = Duration.Minutes(1);

    private readonly EnvironmentSettings settings;

    /// <summary>The alarm roles that page (and why they do is in docs/deployment.md).</summary>
    public static IReadOnlyList<string> PagingRoles { get; } = ["5xxRate", "Latency", "RunningTasks", "RotationRedeploy"];

    /// <summary>Requests per minute below which the 5xx rate is not judged (one error in three requests is not an outage).</summary>
    public const int MinimumRequestsForRate = 20;

    /// <summary>The 5xx share of requests, in percent, that pages.</summary>
    public const int ServerErrorRatePercent = 5;

    public Monitoring(
        Construct scope,
        string id,
        EnvironmentSettings settings,
        FargateService service,
        PublicLoadBalancer ingress,
        TaskFailureDetection taskFailures,
        SecretRotationRedeploy rotation,
        ILogGroup appLogs,
        StackKey key)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(ingress);
        ArgumentNullException.ThrowIfNull(taskFailures);
        ArgumentNullException.ThrowIfNull(rotation);
        ArgumentNullException.ThrowIfNull(key);
        this.settings = settings;
        Alarms = [];
        DeploymentAlarms = [];

        if (settings.Alarms)
        {
            AddTopicsAndAlarms(service, ingress, taskFailures, rotation, key);
        }

        if (settings.Dashboard)
        {
            Dashboard = BuildDashboard(service, ingress, taskFailures);
        }

        // ---- Logs Insights over the service's EMF documents (no cost until run) ----
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

    /// <summary>Every alarm notifies this topic (null when alarms are off).</summary>
    public Topic? Topic { get; private set; }

    /// <summary>The alarms in <see cref="PagingRoles"/> also notify this topic (null when alarms are off).</summary>
    public Topic? PageTopic { get; private set; }

    /// <summary>
    /// The alarms by their role (ErrorCount, 5xxRate, Latency, Cpu, Memory, RunningTasks, UnhealthyTargets,
    /// TaskFailures, TaskFailureEvents, RotationFailed, RotationRedeploy); empty when alarms are off.
    /// </summary>
    public Dictionary<string, Alarm> Alarms { get; }

    /// <summary>
    /// Names of the alarms that roll an ECS deployment back when they fire during it (the service stack hands
    /// them to the service's deployment alarms, next to the circuit breaker). Add an alarm's name here, before
    /// the service stack reads the list, to make deployments roll back on it too (e.g. an SLO burn-rate
    /// composite alarm). Plain names rather than references: an alarm on the service's own metrics would
    /// otherwise make the service and the alarm depend on each other.
    /// </summary>
    public List<string> DeploymentAlarms { get; }

    public Dashboard? Dashboard { get; }

    public QueryDefinition EmfQuery { get; }

    public QueryDefinition ErrorsByEndpointQuery { get; }

    private void AddTopicsAndAlarms(FargateService service, PublicLoadBalancer ingress, TaskFailureDetection taskFailures, SecretRotationRedeploy rotation, StackKey key)
    {
        // CloudWatch publishes alarm notifications to an encrypted topic only if the key lets it use the key
        // (the AWS-managed SNS key does not), hence the stack's customer-managed key:
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
        key.Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchAlarmsPublish",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resources = ["*"],
        }));
        Topic = EncryptedTopic("AlarmTopic", $"{settings.ResourcePrefix}-alarms", $"Pulse {settings.Name} alarms", key, settings.AlarmEmail);
        PageTopic = EncryptedTopic("PageTopic", $"{settings.ResourcePrefix}-page", $"Pulse {settings.Name} pages", key, settings.PageEmail);

        var lb = ingress.LoadBalancer;
        var tg = ingress.TargetGroup;

        // Responses >= 400 at the [Service] dimension set the service emits; 4xx are often the clients'
        // mistakes, so this one notifies and does not page.
        AddAlarm("ErrorCount", new Alarm(this, "HighErrorCount", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-high-error-count",
            AlarmDescription = "The service answered 4xx/5xx at least 5 times in 2 minutes (EMF ErrorCount, responses >= 400). Notifies.",
            Metric = Emf(EmfMetrics.Names.ErrorCount, Stats.SUM, Duration.Minutes(2)),
            Threshold = 5,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }));

        // Its sibling on server errors, as a share of traffic, from the load balancer: it also sees the 5xx a
        // client gets when no task answers (no healthy target, timeouts), which the service's EMF cannot.
        // ELB-generated 5xx are added to the denominator too, since such requests may never reach a target.
        AddAlarm("5xxRate", new Alarm(this, "Http5xxRate", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-http-5xx-rate",
            AlarmDescription = $"More than {ServerErrorRatePercent} % of requests answered 5xx (by the tasks or the load balancer) in each of 3 minutes with at least {MinimumRequestsForRate} requests a minute. Pages; rolls a deployment back.",
            Metric = new MathExpression(new MathExpressionProps
            {
                Expression = $"IF((FILL(requests, 0) + FILL(elb5xx, 0)) >= {MinimumRequestsForRate}, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / (FILL(requests, 0) + FILL(elb5xx, 0)), 0)",
                Label = "HTTP 5xx (% of requests)",
                Period = OneMinute,
                UsingMetrics = new Dictionary<string, IMetric>
                {
                    ["requests"] = lb.Metrics.RequestCount(new MetricOptions { Statistic = Stats.SUM, Period = OneMinute }),
                    ["target5xx"] = lb.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Statistic = Stats.SUM, Period = OneMinute }),
                    ["elb5xx"] = lb.Metrics.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT, new MetricOptions { Statistic = Stats.SUM, Period = OneMinute }),
                },
            }),
            Threshold = ServerErrorRatePercent,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            EvaluationPeriods = 3,
            DatapointsToAlarm = 3,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }));

        AddAlarm("Latency", new Alarm(this, "HighLatencyP99", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-latency-p99",
            AlarmDescription = "p99 request latency above 2 s for 5 consecutive minutes (EMF RequestLatencyMs). Pages; rolls a deployment back.",
            Metric = Emf(EmfMetrics.Names.RequestLatencyMs, Stats.P(99), OneMinute),
            Threshold = 2000,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            EvaluationPeriods = 5,
            DatapointsToAlarm = 5,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }));
        DeploymentAlarms.Add($"{settings.ResourcePrefix}-http-5xx-rate");
        DeploymentAlarms.Add($"{settings.ResourcePrefix}-latency-p99");

        AddAlarm("Cpu", new Alarm(this, "HighCpu", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-cpu",
            AlarmDescription = "Service CPU above 80 % for 5 minutes: autoscaling is at its maximum, too slow or off. Notifies.",
            Metric = service.MetricCpuUtilization(new MetricOptions { Statistic = Stats.AVERAGE, Period = OneMinute }),
            Threshold = 80,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            EvaluationPeriods = 5,
            DatapointsToAlarm = 5,
            TreatMissingData = TreatMissingData.MISSING,
        }));

        AddAlarm("Memory", new Alarm(this, "HighMemory", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-memory",
            AlarmDescription = "Service memory above 80 % for 5 minutes. Notifies.",
            Metric = service.MetricMemoryUtilization(new MetricOptions { Statistic = Stats.AVERAGE, Period = OneMinute }),
            Threshold = 80,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            EvaluationPeriods = 5,
            DatapointsToAlarm = 5,
            TreatMissingData = TreatMissingData.MISSING,
        }));

        // Running below desired for 10 minutes in a row: long enough for a rolling deployment, a Spot
        // replacement or a scale-out to bring tasks up, short enough to catch a service that cannot.
        AddAlarm("RunningTasks", new Alarm(this, "TasksBelowDesired", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-tasks-below-desired",
            AlarmDescription = "Fewer tasks running than desired for 10 consecutive minutes (Container Insights). Pages.",
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
        }));

        AddAlarm("UnhealthyTargets", new Alarm(this, "UnhealthyTargets", new AlarmProps
        {
            AlarmName = $"{settings.ResourcePrefix}-unhealthy-targets",
            AlarmDescription = "At least one target failed the /health/live check for 3 consecutive minutes. Notifies.",
            Metric = tg.Metrics.UnhealthyHostCount(new MetricOptions { Statistic = Stats.MAXIMUM, Period = OneMinute }),
            Threshold = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 3,
            DatapointsToAlarm = 3,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }));

        AddAlarm("TaskFailures", AnyEvent(
            "TaskFailuresAlarm",
            "ecs-task-fail",
            "A task failed to start or its essential container exited. Notifies.",
            taskFailures.Metric));

        AddAlarm("TaskFailureEvents", AnyEvent(
            "TaskFailureEventsUndelivered",
            "ecs-task-fail-undelivered",
            "EventBridge could not write task-failure events to their log group (FailedInvocations), so ecs-task-fail would stay silent. Notifies.",
            taskFailures.FailedInvocations));

        AddAlarm("RotationFailed", AnyEvent(
            "SecretRotationFailed",
            "secret-rotation-failed",
            "Rotating the database password failed (RotationFailed); the previous password stays valid, so nothing breaks yet. Notifies.",
            rotation.RotationFailures));

        AddAlarm("RotationRedeploy", AnyEvent(
            "RotationRedeployFailed",
            "rotation-redeploy-failed",
            "The password rotated but the service was not redeployed (event undelivered, execution failed or timed out): running tasks cannot open new database connections. Pages.",
            rotation.RedeployFailures));
    }

    private Topic EncryptedTopic(string id, string name, string displayName, StackKey key, string? email)
    {
        var topic = new Topic(this, id, new TopicProps
        {
            TopicName = name,
            DisplayName = displayName,
            MasterKey = key.Key,
        });
        // Once a topic has a policy, CloudWatch needs an explicit grant to publish alarm notifications.
        _ = topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchAlarmsPublish",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["sns:Publish"],
            Resources = [topic.TopicArn],
            Conditions = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(this).Account } },
        }));
        // TLS only. (TopicProps.EnforceSSL adds this statement only when another one is added, in this CDK version.)
        _ = topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AllowPublishThroughSSLOnly",
            Effect = Effect.DENY,
            Principals = [new StarPrincipal()],
            Actions = ["sns:Publish"],
            Resources = [topic.TopicArn],
            Conditions = new Dictionary<string, object> { ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" } },
        }));
        if (email is not null)
        {
            topic.AddSubscription(new EmailSubscription(email));
        }

        return topic;
    }

    private Dashboard BuildDashboard(FargateService service, PublicLoadBalancer ingress, TaskFailureDetection taskFailures)
    {
        var lb = ingress.LoadBalancer;
        var tg = ingress.TargetGroup;
        var dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = $"Pulse-{settings.Name}",
            DefaultInterval = Duration.Hours(3),
        });
        dashboard.AddWidgets(
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
        dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Endpoint Invocations",
                Width = settings.Alarms ? 12 : 24,
                // Endpoints are route templates known only at run time: a search finds every one emitted.
                Left = [new MathExpression(new MathExpressionProps
                {
                    Expression = EndpointInvocationsSearch(settings),
                    Label = string.Empty,
                    Period = OneMinute,
                    UsingMetrics = new Dictionary<string, IMetric>(),
                })],
            }));
        if (Alarms.Count > 0)
        {
            dashboard.AddWidgets(new AlarmStatusWidget(new AlarmStatusWidgetProps
            {
                Title = "Alarms",
                Width = 12,
                Alarms = [.. Alarms.Values],
            }));
        }

        dashboard.AddWidgets(
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
        dashboard.AddWidgets(
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
        return dashboard;
    }

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

    /// <summary>An alarm on a count of events: one event in a period is enough, and no data means none happened.</summary>
    private Alarm AnyEvent(string id, string name, string description, IMetric events) => new(this, id, new AlarmProps
    {
        AlarmName = $"{settings.ResourcePrefix}-{name}",
        AlarmDescription = description,
        Metric = events,
        Threshold = 1,
        ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        EvaluationPeriods = 1,
        TreatMissingData = TreatMissingData.NOT_BREACHING,
    });

    private void AddAlarm(string role, Alarm alarm)
    {
        foreach (var topic in PagingRoles.Contains(role) ? new[] { Topic!, PageTopic! } : [Topic!])
        {
            var action = new SnsAction(topic);
            alarm.AddAlarmAction(action);
            alarm.AddOkAction(action);
        }

        Alarms[role] = alarm;
    }
}
