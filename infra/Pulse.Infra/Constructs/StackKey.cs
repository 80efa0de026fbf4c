using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Pulse.Infra.Settings;
using Pulse.Infra.Stacks;

namespace Pulse.Infra.Constructs;

/// <summary>
/// The customer-managed KMS key of one stack, and the log groups it encrypts. One key per stack keeps stacks
/// independent (the network stack is absent with an existing VPC) at about a dollar a month each.
/// Key policy: the account administers it (CDK's default), CloudWatch Logs may use it only for the log
/// groups named up front (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html),
/// and grants may be created only for AWS services (Control Tower CT.KMS.PR.3), which is how RDS uses a key.
/// </summary>
internal sealed class StackKey : Construct
{
    private readonly EnvironmentSettings settings;
    private readonly HashSet<string> logGroupNames;

    public StackKey(Construct scope, string id, EnvironmentSettings settings, string description, params string[] logGroupNames)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        this.settings = settings;
        this.logGroupNames = [.. logGroupNames];
        var stack = Stack.Of(this);

        Key = new Key(this, "Key", new KeyProps
        {
            Description = $"{settings.ResourcePrefix}: {description}",
            EnableKeyRotation = true,
            // Retained data (log groups, the final database snapshot) stays readable only while its key exists.
            RemovalPolicy = settings.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
            PendingWindow = Duration.Days(7),
        });

        if (logGroupNames.Length > 0)
        {
            Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "CloudWatchLogsForTheseGroups",
                Principals = [new ServicePrincipal($"logs.{stack.Region}.amazonaws.com")],
                Actions = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resources = ["*"],
                Conditions = new Dictionary<string, object>
                {
                    ["ArnLike"] = new Dictionary<string, object>
                    {
                        ["kms:EncryptionContext:aws:logs:arn"] = logGroupNames.Select(name => LogGroupArn(stack, name)).ToArray(),
                    },
                },
            }));
        }

        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "GrantsOnlyForAwsServices",
            Effect = Effect.DENY,
            Principals = [new StarPrincipal()],
            Actions = ["kms:CreateGrant"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["BoolIfExists"] = new Dictionary<string, object>
                {
                    ["kms:GrantIsForAWSResource"] = "false",
                    ["aws:PrincipalIsAWSService"] = "false",
                },
            },
        }));
    }

    public Key Key { get; }

    /// <summary>
    /// A log group encrypted with this key, with the environment's retention and removal policy (CT.CLOUDWATCH.PR.3);
    /// its name must be one the key was created for.
    /// </summary>
    public LogGroup LogGroup(Construct scope, string id, string name)
    {
        if (!logGroupNames.Contains(name))
        {
            throw new InvalidOperationException($"{Node.Path} does not admit CloudWatch Logs for {name}: add it to the key's log group names.");
        }

        var group = new LogGroup(scope, id, new LogGroupProps
        {
            LogGroupName = name,
            Retention = Retention.Of(settings),
            RemovalPolicy = Retention.RemovalPolicyOf(settings),
            EncryptionKey = Key,
        });
        Guard.Suppress(group, Guard.ShortRetention(settings));
        return group;
    }

    /// <summary>A log group's ARN without the trailing <c>:*</c> (the form of the logs encryption context and of targets).</summary>
    public static string LogGroupArn(Stack stack, string name)
    {
        ArgumentNullException.ThrowIfNull(stack);
        return stack.FormatArn(new ArnComponents
        {
            Service = "logs",
            Resource = "log-group",
            ResourceName = name,
            ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
        });
    }
}
