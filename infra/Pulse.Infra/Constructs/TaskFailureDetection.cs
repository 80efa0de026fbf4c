using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.ECS;
using CfnRule = Amazon.CDK.AWS.Events.CfnRule;
using CfnRuleProps = Amazon.CDK.AWS.Events.CfnRuleProps;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Pulse.Infra.Settings;
using Pulse.Infra.Stacks;

namespace Pulse.Infra.Constructs;

/// <summary>
/// Seed 003 (ECS task failure detection with EventBridge): task state changes of this cluster that stop
/// with <c>TaskFailedToStart</c> or <c>EssentialContainerExited</c> go to a log group, where the metric
/// filter <c>ecs-task-fail-count</c> counts both stop codes (the seed's filter counted only the first).
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

    public TaskFailureDetection(Construct scope, string id, EnvironmentSettings settings, ICluster cluster)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(cluster);

        // EventBridge delivers to CloudWatch Logs only into groups named /aws/events/...
        // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html, CloudWatch Logs target).
        LogGroup = new LogGroup(this, "Events", new LogGroupProps
        {
            LogGroupName = $"/aws/events/{settings.ResourcePrefix}-ecs-task-failures",
            Retention = Retention.Of(settings),
            RemovalPolicy = Retention.RemovalPolicyOf(settings),
        });

        // The log group's resource policy lets EventBridge write. Declared directly (AWS::Logs::ResourcePolicy)
        // instead of through the events-targets helper, which installs a custom-resource Lambda for it.
        var policy = new PolicyDocument(new PolicyDocumentProps
        {
            Statements =
            [
                new PolicyStatement(new PolicyStatementProps
                {
                    Effect = Effect.ALLOW,
                    Principals = [new ServicePrincipal("events.amazonaws.com"), new ServicePrincipal("delivery.logs.amazonaws.com")],
                    Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resources = [LogGroup.LogGroupArn],
                }),
            ],
        });
        var resourcePolicy = new CfnResourcePolicy(this, "EventsCanWrite", new CfnResourcePolicyProps
        {
            PolicyName = $"{settings.ResourcePrefix}-ecs-task-failure-events",
            PolicyDocument = Stack.Of(this).ToJsonString(policy.ToJSON()),
        });

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
        Rule = new CfnRule(this, "Rule", new CfnRuleProps
        {
            Description = $"Tasks of {settings.ResourcePrefix} that failed to start or whose essential container exited",
            State = "ENABLED",
            EventPattern = EventPattern,
            Targets = new CfnRule.ITargetProperty[] { new CfnRule.TargetProperty { Id = "TaskFailureLog", Arn = LogGroup.LogGroupArn } },
        });
        Rule.AddDependency(resourcePolicy);

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

    public LogGroup LogGroup { get; }

    public IDictionary<string, object> EventPattern { get; }

    public CfnRule Rule { get; }

    public IFilterPattern FilterPattern { get; }

    public MetricFilter MetricFilter { get; }

    /// <summary>Failed tasks of this cluster, summed over 5 minutes.</summary>
    public Metric Metric { get; }

    public QueryDefinition StoppedTasksQuery { get; }
}
