using Amazon.CDK.AWS.EC2;
using Constructs;
using Pulse.Infra.Settings;

namespace Pulse.Infra.Stacks;

/// <summary>The VPC a stack places resources in, and the subnets of each tier.</summary>
internal sealed record Network(IVpc Vpc)
{
    public SubnetSelection PublicSubnets { get; } = new() { SubnetType = SubnetType.PUBLIC };

    public SubnetSelection AppSubnets { get; } = new() { SubnetType = SubnetType.PRIVATE_WITH_EGRESS };

    public SubnetSelection DatabaseSubnets { get; } = new() { SubnetType = SubnetType.PRIVATE_ISOLATED };

    /// <summary>
    /// The VPC of the network stack, or the existing VPC imported into <paramref name="scope"/> from ids
    /// given in context (<c>FromVpcAttributes</c>: no lookup, no credentials).
    /// </summary>
    public static Network For(Construct scope, EnvironmentSettings settings, NetworkStack? network)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (network is not null)
        {
            return new Network(network.Vpc);
        }

        var existing = settings.ExistingVpc
            ?? throw new InvalidOperationException($"{settings.Name} has neither a network stack nor an existing VPC.");
        return new Network(Amazon.CDK.AWS.EC2.Vpc.FromVpcAttributes(scope, "ExistingVpc", new VpcAttributes
        {
            VpcId = existing.VpcId,
            AvailabilityZones = [.. existing.AvailabilityZones],
            PublicSubnetIds = [.. existing.PublicSubnetIds],
            PrivateSubnetIds = [.. existing.AppSubnetIds],
            IsolatedSubnetIds = [.. existing.DatabaseSubnetIds],
        }));
    }
}
