namespace Pulse.Infra;

/// <summary>
/// CDK feature flags this app relies on, set in code rather than in cdk.json so that
/// <c>dotnet run</c>, the tests and <c>cdk synth</c> produce the same templates (the CLI is the only
/// reader of cdk.json). Each is the value CDK recommends for new projects.
/// </summary>
internal static class FeatureFlags
{
    public static IReadOnlyDictionary<string, object> All { get; } = new Dictionary<string, object>
    {
        // Merge statements with the same effect into fewer, shorter IAM policy statements.
        ["@aws-cdk/aws-iam:minimizePolicies"] = true,
        // ECS Exec: logs only where configured, instead of logs:* wildcards on every task role.
        ["@aws-cdk/aws-ecs:reduceEc2FargateCloudWatchPermissions"] = true,
        // No empty DeploymentAlarms block on services, no explicit ECS deployment controller.
        ["@aws-cdk/aws-ecs:removeDefaultDeploymentAlarm"] = true,
        ["@aws-cdk/aws-ecs:disableExplicitDeploymentControllerForCircuitBreaker"] = true,
        // Fail synthesis when SNAPSHOT is used on a resource that cannot be snapshotted.
        ["@aws-cdk/core:validateSnapshotRemovalPolicy"] = true,
        // Secrets Manager: attach the resource policy to the attached secret, not the plain one.
        ["@aws-cdk/aws-secretsmanager:useAttachedSecretResourcePolicyForSecretTargetAttachments"] = true,
        // Refuse to put a secret value into a plain environment variable by mistake.
        ["@aws-cdk/core:checkSecretUsage"] = true,
        ["@aws-cdk/aws-kms:aliasNameRef"] = true,
        ["@aws-cdk/aws-kms:reduceCrossAccountRegionPolicyScope"] = true,
    };
}
