using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Pulse.Infra.Settings;
using CfnRule = Amazon.CDK.AWS.Events.CfnRule;
using CfnRuleProps = Amazon.CDK.AWS.Events.CfnRuleProps;

namespace Pulse.Infra.Constructs;

/// <summary>
/// EventBridge rules that deliver matching events into CloudWatch Logs groups of this environment, and the one
/// log resource policy that lets EventBridge write there. Declared directly (AWS::Logs::ResourcePolicy) instead
/// of through CDK's CloudWatchLogGroup target, which installs a custom-resource Lambda for the policy; one
/// policy per environment, since an account has at most ten per region.
/// </summary>
internal sealed class EventLogDelivery : Construct
{
    private readonly CfnResourcePolicy policy;

    public EventLogDelivery(Construct scope, string id, EnvironmentSettings settings)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);

        NamePrefix = GroupName(settings, string.Empty);
        var document = new PolicyDocument(new PolicyDocumentProps
        {
            Statements =
            [
                new PolicyStatement(new PolicyStatementProps
                {
                    Effect = Effect.ALLOW,
                    Principals = [new ServicePrincipal("events.amazonaws.com"), new ServicePrincipal("delivery.logs.amazonaws.com")],
                    Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
                    // The groups' streams: log-group:<name>:* for every group under this environment's prefix.
                    Resources = [StackKey.LogGroupArn(Stack.Of(this), NamePrefix + "*") + ":*"],
                }),
            ],
        });
        policy = new CfnResourcePolicy(this, "EventsCanWrite", new CfnResourcePolicyProps
        {
            PolicyName = $"{settings.ResourcePrefix}-event-logs",
            PolicyDocument = Stack.Of(this).ToJsonString(document.ToJSON()),
        });
    }

    /// <summary>What every event log group name of this environment starts with.</summary>
    public string NamePrefix { get; }

    /// <summary>
    /// The name of an event log group of this environment. EventBridge delivers to CloudWatch Logs only into
    /// groups named /aws/events/... (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html,
    /// CloudWatch Logs target).
    /// </summary>
    public static string GroupName(EnvironmentSettings settings, string name)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return $"/aws/events/{settings.ResourcePrefix}-{name}";
    }

    /// <summary>
    /// A rule sending events that match <paramref name="pattern"/> to <paramref name="group"/>. The target is the
    /// group's ARN without the <c>:*</c> suffix that <c>Fn::GetAtt Arn</c> carries: with it the rule deploys
    /// but delivers nothing.
    /// </summary>
    public CfnRule Deliver(Construct scope, string id, string description, IDictionary<string, object> pattern, LogGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var rule = new CfnRule(scope, id, new CfnRuleProps
        {
            Description = description,
            State = "ENABLED",
            EventPattern = pattern,
            Targets = new CfnRule.ITargetProperty[]
            {
                new CfnRule.TargetProperty { Id = "Log", Arn = StackKey.LogGroupArn(Stack.Of(scope), group.LogGroupName) },
            },
        });
        rule.AddDependency(policy);
        return rule;
    }

    /// <summary>Events the rule matched but could not deliver to its targets (AWS/Events FailedInvocations), summed over 5 minutes.</summary>
    public static Metric FailedInvocations(CfnRule rule, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return new Metric(new MetricProps
        {
            Namespace = "AWS/Events",
            MetricName = "FailedInvocations",
            DimensionsMap = new Dictionary<string, string> { ["RuleName"] = rule.Ref },
            Statistic = Stats.SUM,
            Period = Duration.Minutes(5),
            Label = label,
        });
    }
}
