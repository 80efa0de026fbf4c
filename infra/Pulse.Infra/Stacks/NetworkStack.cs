using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using Pulse.Infra.Constructs;
using Pulse.Infra.Settings;

namespace Pulse.Infra.Stacks;

/// <summary>
/// A VPC over 2-3 zones with three tiers: public (load balancer, NAT), private application subnets with a
/// NAT route (tasks, rotation function) and isolated database subnets, with flow logs to CloudWatch Logs.
/// </summary>
internal sealed class NetworkStack : Stack
{
    public const string PublicTier = "Public";
    public const string AppTier = "App";
    public const string DatabaseTier = "Database";

    public NetworkStack(Construct scope, string id, EnvironmentSettings settings, IStackProps props)
        : base(scope, id, props)
    {
        var flowLogsName = $"/{settings.ResourcePrefix}/vpc-flow-logs";
        Key = new StackKey(this, "Encryption", settings, "VPC flow logs", flowLogsName);
        var flowLogs = Key.LogGroup(this, "FlowLogs", flowLogsName);

        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            VpcName = settings.ResourcePrefix,
            IpAddresses = IpAddresses.Cidr(settings.VpcCidr),
            AvailabilityZones = Zones(settings),
            NatGateways = settings.NatGateways,
            SubnetConfiguration =
            [
                // Nothing launched here needs an automatic public address: NAT gateways bring Elastic IPs and the
                // load balancer its own (Control Tower CT.EC2.PR.11).
                new SubnetConfiguration { Name = PublicTier, SubnetType = SubnetType.PUBLIC, CidrMask = 24, MapPublicIpOnLaunch = false },
                new SubnetConfiguration { Name = AppTier, SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 22 },
                new SubnetConfiguration { Name = DatabaseTier, SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 },
            ],
            // Nothing uses the default security group. Restricting it takes a custom-resource Lambda that
            // would be the only function in the app; leave it as AWS creates it (it admits only its own members).
            RestrictDefaultSecurityGroup = false,
            FlowLogs = new Dictionary<string, IFlowLogOptions>
            {
                ["All"] = new FlowLogOptions
                {
                    Destination = FlowLogDestination.ToCloudWatchLogs(flowLogs),
                    TrafficType = FlowLogTrafficType.ALL,
                },
            },
        });
    }

    public Vpc Vpc { get; }

    public StackKey Key { get; }

    /// <summary>
    /// Explicit zones, or the region's first zones resolved by CloudFormation (<c>Fn::GetAZs</c>): a region
    /// without an account makes the stack's own zone list a fixed pair, and a lookup would need credentials.
    /// </summary>
    private static string[] Zones(EnvironmentSettings settings) =>
        settings.AvailabilityZones.Count > 0
            ? [.. settings.AvailabilityZones]
            : Enumerable.Range(0, settings.AzCount).Select(i => Fn.Select(i, Fn.GetAzs())).ToArray();
}
