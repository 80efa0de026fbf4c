using Amazon.CDK;
using Constructs;

namespace Pulse.Infra.Constructs;

/// <summary>One cdk-nag finding accepted on purpose, and why.</summary>
/// <param name="Id">Rule id, e.g. <c>AwsSolutions-EC23</c>.</param>
/// <param name="Reason">Why the finding is acceptable here (cdk-nag requires at least 10 characters).</param>
/// <param name="AppliesTo">For granular rules (IAM4, IAM5): the findings this covers, e.g. <c>Resource::*</c>.</param>
internal sealed record NagSuppression(string Id, string Reason, params string[] AppliesTo);

/// <summary>
/// Records cdk-nag suppressions as template metadata (<c>Metadata.cdk_nag.rules_to_suppress</c>), beside
/// the resource they concern. The check (infra/nag/check.mjs) loads the synthesized templates through
/// <c>CfnInclude</c>, which keeps resource metadata, so the suppressions travel with the template.
/// </summary>
internal static class Nag
{
    public const string MetadataKey = "cdk_nag";

    /// <summary>Suppresses rules on the CloudFormation resource of <paramref name="construct"/> (one call per resource).</summary>
    public static void Suppress(IConstruct construct, params NagSuppression[] suppressions)
    {
        ArgumentNullException.ThrowIfNull(construct);
        var resource = construct as CfnResource
            ?? construct.Node.DefaultChild as CfnResource
            ?? throw new ArgumentException($"{construct.Node.Path} has no CloudFormation resource to annotate.", nameof(construct));
        if (resource.GetMetadata(MetadataKey) is not null)
        {
            throw new InvalidOperationException($"{resource.Node.Path} already has cdk-nag suppressions: give them all in one call.");
        }

        foreach (var s in suppressions)
        {
            if (s.Reason.Trim().Length < 10)
            {
                throw new ArgumentException($"The suppression of {s.Id} on {resource.Node.Path} needs a real reason.", nameof(suppressions));
            }
        }

        resource.AddMetadata(MetadataKey, new Dictionary<string, object>
        {
            ["rules_to_suppress"] = suppressions.Select(s =>
            {
                var rule = new Dictionary<string, object> { ["id"] = s.Id, ["reason"] = s.Reason };
                if (s.AppliesTo.Length > 0)
                {
                    rule["applies_to"] = s.AppliesTo;
                }

                return (object)rule;
            }).ToArray(),
        });
    }
}
