using Amazon.CDK;
using Constructs;

namespace Pulse.Infra.Constructs;

/// <summary>One AWS Control Tower proactive control (a Guard rule) accepted as failing here on purpose, and why.</summary>
/// <param name="Id">Control id as the rule reports it, e.g. <c>CT.RDS.PR.1</c>.</param>
/// <param name="Reason">Why the failure is acceptable for this resource in this environment.</param>
internal sealed record GuardSuppression(string Id, string Reason);

/// <summary>
/// Records Guard suppressions as template metadata (<c>Metadata.cfn_guard.rules_to_suppress</c>, each with an
/// id and a reason), beside the resource they concern, as <see cref="Nag"/> does for cdk-nag. The Control Tower
/// rules themselves know no suppressions; infra/guard/check.mjs runs them and reads this metadata, so a
/// failure is either fixed or explained on the resource, in the environment where it applies.
/// </summary>
internal static class Guard
{
    public const string MetadataKey = "cfn_guard";

    /// <summary>Suppresses controls on the CloudFormation resource of <paramref name="construct"/> (one call per resource).</summary>
    public static void Suppress(IConstruct construct, params GuardSuppression[] suppressions)
    {
        ArgumentNullException.ThrowIfNull(construct);
        ArgumentNullException.ThrowIfNull(suppressions);
        if (suppressions.Length == 0)
        {
            return;
        }

        var resource = construct as CfnResource
            ?? construct.Node.DefaultChild as CfnResource
            ?? throw new ArgumentException($"{construct.Node.Path} has no CloudFormation resource to annotate.", nameof(construct));
        if (resource.GetMetadata(MetadataKey) is not null)
        {
            throw new InvalidOperationException($"{resource.Node.Path} already has Guard suppressions: give them all in one call.");
        }

        foreach (var s in suppressions)
        {
            if (!s.Id.StartsWith("CT.", StringComparison.Ordinal) || s.Reason.Trim().Length < 40)
            {
                throw new ArgumentException($"The suppression of {s.Id} on {resource.Node.Path} needs a Control Tower id (CT.*) and a real reason.", nameof(suppressions));
            }
        }

        resource.AddMetadata(MetadataKey, new Dictionary<string, object>
        {
            ["rules_to_suppress"] = suppressions
                .Select(s => (object)new Dictionary<string, object> { ["id"] = s.Id, ["reason"] = s.Reason })
                .ToArray(),
        });
    }

    /// <summary>
    /// CT.CLOUDWATCH.PR.2 asks for at least a year of retention; every log group here keeps what the
    /// <c>logRetentionDays</c> setting says. Returns the suppression when the setting is shorter.
    /// </summary>
    public static GuardSuppression[] ShortRetention(Settings.EnvironmentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.LogRetentionDays >= 365
            ? []
            : [new GuardSuppression("CT.CLOUDWATCH.PR.2", $"Operational logs, kept {settings.LogRetentionDays} days by {settings.Name}.logRetentionDays to bound cost; CloudTrail, not these groups, is the account's audit record.")];
    }
}
