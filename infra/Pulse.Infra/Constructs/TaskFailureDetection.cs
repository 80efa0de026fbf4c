using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Pulse.Infra.Settings;
using CfnRule = Amazon.CDK.AWS.Events.CfnRule;

namespace Pulse.Infra.Constructs;

/// <summary>
/// ECS task failure detection with EventBridge: task state changes of this cluster that stop with
/// <c>TaskFailedToStart</c> or <c>EssentialContainerExited</c> go to a log group, where the metric filter
/// <c>ecs-task-fail-count</c> counts both stop codes. <see cref="FailedInvocations"/> counts events the rule
/// could not deliver, so a broken target does not pass for a quiet cluster.
/// </summary>
internal sealed class TaskFailureDetection : Construct
{
    public const string MetricName = "ecs-task-fail-count";
    public const string MetricNamespace = "Pulse/ECS";

    /// <summary>Dimension that keeps the count of each cluster (and so each environment) apart.</summary>
    public const string ClusterDimension = "ClusterArn";

    /// <summary>
    /// The stop codes that mean a task failed
    /// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html, stopCode).
    /// </summary>
    public static IReadOnlyList<string> FailureStopCodes { get; } = ["TaskFailedToStart", "EssentialContainerExited"];

    public TaskFailureDetection(Construct scope, string id, EnvironmentSettings settings, ICluster cluster, StackKey key, EventLogDelivery delivery)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(delivery);

        LogGroup = key.LogGroup(this, "Events", LogGroupName(settings));

        EventPattern = new Dictionary<string, object>
        {
            ["source"] = new[] { "aws.ecs" },
            ["detail-type"] = new[] { "ECS Task State Change" },
            ["detail"] = new Dictionary<string, object>
            {
                ["clusterArn"] = new[] { cluster.ClusterArn },
                ["lastStatus"] = new[] { "STOPPED" },
                // A list matches any of its values: either stop code.
                ["stopCode"] = FailureStopCodes.ToArray(),
            },
        };
        Rule = delivery.Deliver(this, "Rule", $"Tasks of {settings.ResourcePrefix} that failed to start or whose essential container exited", EventPattern, LogGroup);
        FailedInvocations = EventLogDelivery.FailedInvocations(Rule);

        FilterPattern = Amazon.CDK.AWS.Logs.FilterPattern.Any(
            FailureStopCodes.Select(code => Amazon.CDK.AWS.Logs.FilterPattern.StringValue("$.detail.stopCode", "=", code)).ToArray());
        MetricFilter = new MetricFilter(this, "FailCount", new MetricFilterProps
        {
            LogGroup = LogGroup,
            FilterName = MetricName,
            FilterPattern = FilterPattern,
            MetricNamespace = MetricNamespace,
            MetricName = MetricName,
            MetricValue = "1",
            Dimensions = new Dictionary<string, string> { [ClusterDimension] = "$.detail.clusterArn" },
            Unit = Unit.COUNT,
        });

        Metric = new Metric(new MetricProps
        {
            Namespace = MetricNamespace,
            MetricName = MetricName,
            DimensionsMap = new Dictionary<string, string> { [ClusterDimension] = cluster.ClusterArn },
            Statistic = Stats.SUM,
            Period = Duration.Minutes(5),
        });

        StoppedTasksQuery = new QueryDefinition(this, "StoppedTasks", new QueryDefinitionProps
        {
            QueryDefinitionName = $"{settings.ResourcePrefix}/stopped-tasks",
            LogGroups = [LogGroup],
            QueryString = new QueryString(new QueryStringProps
            {
                Fields =
                [
                    "@timestamp", "detail.taskArn as task", "detail.lastStatus as status", "detail.stopCode as stopCode",
                    "detail.stoppedReason as stoppedReason", "detail.containers.0.exitCode as exitCode",
                ],
                Sort = "@timestamp desc",
                Limit = 50,
            }),
        });
    }

    /// <summary>The events log group of an environment's task failures.</summary>
    public static string LogGroupName(EnvironmentSettings settings) => EventLogDelivery.GroupName(settings, "ecs-task-failures");

    public LogGroup LogGroup { get; }

    public IDictionary<string, object> EventPattern { get; }

    public CfnRule Rule { get; }

    public IFilterPattern FilterPattern { get; }

    public MetricFilter MetricFilter { get; }

    /// <summary>Failed tasks of this cluster, summed over 5 minutes.</summary>
    public Metric Metric { get; }

    /// <summary>Task-failure events EventBridge could not write to the log group.</summary>
    public Metric FailedInvocations { get; }

    public QueryDefinition StoppedTasksQuery { get; }
}
