using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.CDK.AWS.StepFunctions.Tasks;
using Constructs;
using Pulse.Infra.Settings;
using CfnRule = Amazon.CDK.AWS.Events.CfnRule;

namespace Pulse.Infra.Constructs;

/// <summary>
/// Running tasks get the rotated database password without a human. ECS resolves secrets only when a task
/// starts, and single-user rotation changes the password in place; so every <c>RotationSucceeded</c> event of
/// the database secret starts a one-step Step Functions state machine that calls <c>ecs:UpdateService</c>
/// with <c>forceNewDeployment</c>: a rolling deployment (circuit breaker and deployment alarms included)
/// replaces every task with one that read the new password.
/// <para>
/// A state machine with the AWS SDK integration rather than CDK's AwsApi target or a Lambda: no function code,
/// runtime or asset to keep current, execution history per rotation, retries, X-Ray and logs built in.
/// <c>RotationFailed</c> events go to a log group; both the failures and a redeploy that did not start are
/// metrics the alarms watch. Secrets Manager publishes rotation outcomes as CloudTrail service events
/// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/monitoring-eventbridge.html), with the secret's
/// ARN in <c>detail.additionalEventData.SecretId</c>.
/// </para>
/// </summary>
internal sealed class SecretRotationRedeploy : Construct
{
    public const string SecretsManagerSource = "aws.secretsmanager";
    public const string CloudTrailServiceEvent = "AWS Service Event via CloudTrail";

    /// <summary>cfn-lint's check for a DependsOn that a Ref or Fn::GetAtt already implies.</summary>
    private static readonly string[] RedundantDependsOn = ["W3005"];

    public SecretRotationRedeploy(Construct scope, string id, EnvironmentSettings settings, ISecret secret, FargateService service, StackKey key, EventLogDelivery delivery)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(delivery);

        var forceNewDeployment = new CallAwsService(this, "ForceNewDeployment", new CallAwsServiceProps
        {
            Comment = "Start a rolling deployment: new tasks read the rotated password from Secrets Manager",
            Service = "ecs",
            Action = "updateService",
            Parameters = new Dictionary<string, object>
            {
                ["Cluster"] = service.Cluster.ClusterArn,
                ["Service"] = service.ServiceArn,
                ["ForceNewDeployment"] = true,
            },
            IamAction = "ecs:UpdateService",
            IamResources = [service.ServiceArn],
            ResultSelector = new Dictionary<string, object> { ["deployments.$"] = "$.Service.Deployments[*].Id" },
        });
        // Throttling or a deployment being set up: try again with backoff, then fail (and alarm).
        forceNewDeployment.AddRetry(new RetryProps { Errors = ["States.ALL"], Interval = Duration.Seconds(15), BackoffRate = 2, MaxAttempts = 4 });

        LogGroup = key.LogGroup(this, "ExecutionLogs", StateMachineLogGroupName(settings));
        StateMachine = new StateMachine(this, "StateMachine", new StateMachineProps
        {
            StateMachineName = $"{settings.ResourcePrefix}-rotation-redeploy",
            StateMachineType = StateMachineType.STANDARD,
            DefinitionBody = DefinitionBody.FromChainable(forceNewDeployment),
            Timeout = Duration.Minutes(10),
            TracingEnabled = true,
            Logs = new LogOptions { Destination = LogGroup, Level = LogLevel.ALL, IncludeExecutionData = false },
        });
        // CDK's StateMachine lists its role in DependsOn next to the Fn::GetAtt of the role's ARN; cfn-lint
        // reports the redundant (harmless) dependency as W3005. Ignored on this resource only.
        ((CfnResource)StateMachine.Node.DefaultChild!).AddMetadata("cfn-lint", new Dictionary<string, object>
        {
            ["config"] = new Dictionary<string, object> { ["ignore_checks"] = RedundantDependsOn },
        });

        OnRotationSucceeded = new Rule(this, "OnRotationSucceeded", new RuleProps
        {
            Description = $"Redeploy the {settings.ResourcePrefix} service after its database password rotated",
            EventPattern = new Amazon.CDK.AWS.Events.EventPattern
            {
                Source = [SecretsManagerSource],
                DetailType = [CloudTrailServiceEvent],
                Detail = Detail("RotationSucceeded", secret),
            },
            Targets =
            [
                new SfnStateMachine(StateMachine, new SfnStateMachineProps
                {
                    // EventBridge retries a failed StartExecution for up to two hours before giving up (and the alarm fires).
                    RetryAttempts = 20,
                    MaxEventAge = Duration.Hours(2),
                }),
            ],
        });

        FailureLogGroup = key.LogGroup(this, "RotationFailures", FailureLogGroupName(settings));
        OnRotationFailed = delivery.Deliver(
            this,
            "OnRotationFailed",
            $"Failed rotations of the {settings.ResourcePrefix} database secret",
            new Dictionary<string, object>
            {
                ["source"] = new[] { SecretsManagerSource },
                ["detail-type"] = new[] { CloudTrailServiceEvent },
                ["detail"] = Detail("RotationFailed", secret),
            },
            FailureLogGroup);

        RotationFailures = new Metric(new MetricProps
        {
            Namespace = "AWS/Events",
            MetricName = "TriggeredRules",
            DimensionsMap = new Dictionary<string, string> { ["RuleName"] = OnRotationFailed.Ref },
            Statistic = Stats.SUM,
            Period = Duration.Minutes(5),
        });

        var period = Duration.Minutes(5);
        RedeployFailures = new MathExpression(new MathExpressionProps
        {
            Expression = "FILL(undelivered, 0) + FILL(failed, 0) + FILL(timedOut, 0)",
            Label = "Redeploys after rotation that did not start",
            Period = period,
            UsingMetrics = new Dictionary<string, IMetric>
            {
                ["undelivered"] = OnRotationSucceeded.Node.DefaultChild is CfnRule rule
                    ? EventLogDelivery.FailedInvocations(rule, "Undelivered rotation events")
                    : throw new InvalidOperationException("The rotation rule has no CfnRule."),
                ["failed"] = StateMachine.MetricFailed(new MetricOptions { Statistic = Stats.SUM, Period = period }),
                ["timedOut"] = StateMachine.MetricTimedOut(new MetricOptions { Statistic = Stats.SUM, Period = period }),
            },
        });

        SuppressNagFindings();
    }

    /// <summary>The state machine's execution log group (Step Functions asks for the /aws/vendedlogs/ prefix).</summary>
    public static string StateMachineLogGroupName(EnvironmentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return $"/aws/vendedlogs/states/{settings.ResourcePrefix}-rotation-redeploy";
    }

    /// <summary>The events log group of failed rotations.</summary>
    public static string FailureLogGroupName(EnvironmentSettings settings) => EventLogDelivery.GroupName(settings, "secret-rotation-failures");

    public StateMachine StateMachine { get; }

    public LogGroup LogGroup { get; }

    public Rule OnRotationSucceeded { get; }

    public LogGroup FailureLogGroup { get; }

    public CfnRule OnRotationFailed { get; }

    /// <summary>Rotations of the secret that failed (the failure rule's matches).</summary>
    public Metric RotationFailures { get; }

    /// <summary>Rotation events EventBridge could not hand to the state machine, and executions that failed or timed out.</summary>
    public MathExpression RedeployFailures { get; }

    private static Dictionary<string, object> Detail(string eventName, ISecret secret) => new()
    {
        ["eventSource"] = new[] { "secretsmanager.amazonaws.com" },
        ["eventName"] = new[] { eventName },
        ["additionalEventData"] = new Dictionary<string, object> { ["SecretId"] = new[] { secret.SecretArn } },
    };

    private void SuppressNagFindings()
    {
        if (StateMachine.Role.Node.TryFindChild("DefaultPolicy") is IConstruct policy)
        {
            Nag.Suppress(
                policy,
                new NagSuppression(
                    "AwsSolutions-IAM5",
                    "CloudWatch Logs delivery (logs:*LogDelivery, DescribeLogGroups, resource policies) and X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) support only the * resource; ecs:UpdateService is limited to this service.",
                    "Resource::*"));
        }
    }
}
