using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.S3;
using Constructs;
using Pulse.Infra.Settings;
using Pulse.Infra.Stacks;

namespace Pulse.Infra.Constructs;

/// <summary>
/// The public ALB in front of the service: HTTPS with the ACM certificate and a permanent HTTP to HTTPS
/// redirect when a certificate is configured, plain HTTP otherwise; access logs to an encrypted bucket;
/// a target group checking <c>/health/live</c> on the service port.
/// </summary>
internal sealed class PublicLoadBalancer : Construct
{
    /// <summary>Priority of the listener rule that answers 404 for <c>/metrics</c>.</summary>
    public const int MetricsRulePriority = 1;

    public PublicLoadBalancer(Construct scope, string id, EnvironmentSettings settings, Network network)
        : base(scope, id)
    {
        AccessLogs = new Bucket(this, "AccessLogs", new BucketProps
        {
            // ALB log delivery writes only to SSE-S3 buckets (a KMS key is not supported):
            // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
            Encryption = BucketEncryption.S3_MANAGED,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            EnforceSSL = true,
            // Versioned, so a deleted or overwritten log object can be recovered for a week (Control Tower CT.S3.PR.11).
            Versioned = true,
            LifecycleRules =
            [
                new LifecycleRule { Id = "ExpireAccessLogs", Expiration = Duration.Days(90), NoncurrentVersionExpiration = Duration.Days(7) },
            ],
            // Logs outlive the stack (a non-empty bucket would fail the deletion anyway); see docs/deployment.md.
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        const string NoLogsOfLogs = "This bucket holds the load balancer's access logs; logging access to it would need another log bucket without adding an audit trail of value.";
        Nag.Suppress(AccessLogs, new NagSuppression("AwsSolutions-S1", NoLogsOfLogs));
        Guard.Suppress(
            AccessLogs,
            new GuardSuppression("CT.S3.PR.2", NoLogsOfLogs),
            new GuardSuppression("CT.S3.PR.4", "Nothing reacts to new access-log objects: they are read on demand (Athena, download) when investigating, so an event notification would have no consumer."),
            new GuardSuppression("CT.S3.PR.9", "Access logs expire after 90 days and go with a teardown; Object Lock would make them undeletable for an audit duty this project does not carry (CloudTrail does)."),
            new GuardSuppression("CT.S3.PR.10", "ALB access log delivery supports only SSE-S3 (Amazon S3-managed keys), not SSE-KMS: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html"));

        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = network.Vpc,
            Description = "Public load balancer: HTTP/HTTPS from the internet, out only to the service port",
            AllowAllOutbound = false,
        });
        Nag.Suppress(SecurityGroup, new NagSuppression("AwsSolutions-EC23", "A public load balancer accepts HTTP/HTTPS from any address; the service behind it is reachable only from this security group."));

        LoadBalancer = new ApplicationLoadBalancer(this, "LoadBalancer", new ApplicationLoadBalancerProps
        {
            Vpc = network.Vpc,
            VpcSubnets = network.PublicSubnets,
            InternetFacing = true,
            SecurityGroup = SecurityGroup,
            DropInvalidHeaderFields = true,
            DeletionProtection = settings.DeletionProtection,
        });
        LoadBalancer.LogAccessLogs(AccessLogs, "alb");
        if (!settings.DeletionProtection)
        {
            Guard.Suppress(LoadBalancer, new GuardSuppression("CT.ELASTICLOADBALANCING.PR.5", $"{settings.Name}.deletionProtection is false: dev is disposable, and prod switches it off only to be torn down (docs/deployment.md)."));
        }

        TargetGroup = new ApplicationTargetGroup(this, "TargetGroup", new ApplicationTargetGroupProps
        {
            Vpc = network.Vpc,
            TargetType = TargetType.IP,
            Protocol = ApplicationProtocol.HTTP,
            Port = ServiceContract.HttpPort,
            // Tasks stop taking new requests quickly; in-flight ones finish within the service's own shutdown.
            DeregistrationDelay = Duration.Seconds(30),
            HealthCheck = new Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck
            {
                Path = ServiceContract.LivenessPath,
                Port = ServiceContract.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Protocol = Amazon.CDK.AWS.ElasticLoadBalancingV2.Protocol.HTTP,
                HealthyHttpCodes = "200",
                Interval = Duration.Seconds(15),
                Timeout = Duration.Seconds(5),
                HealthyThresholdCount = 2,
                UnhealthyThresholdCount = 3,
            },
        });

        if (settings.Https)
        {
            Listener = LoadBalancer.AddListener("Https", new BaseApplicationListenerProps
            {
                Port = 443,
                Protocol = ApplicationProtocol.HTTPS,
                Certificates = [ListenerCertificate.FromArn(settings.CertificateArn!)],
                SslPolicy = SslPolicy.RECOMMENDED_TLS,
                DefaultTargetGroups = [TargetGroup],
            });
            _ = LoadBalancer.AddRedirect(new ApplicationLoadBalancerRedirectConfig
            {
                SourcePort = 80,
                SourceProtocol = ApplicationProtocol.HTTP,
                TargetPort = 443,
                TargetProtocol = ApplicationProtocol.HTTPS,
            });
        }
        else
        {
            Listener = LoadBalancer.AddListener("Http", new BaseApplicationListenerProps
            {
                Port = 80,
                Protocol = ApplicationProtocol.HTTP,
                DefaultTargetGroups = [TargetGroup],
            });
            // Synthesis warns about plain HTTP in protected environments (ServiceStack).
            Guard.Suppress(Listener, new GuardSuppression("CT.ELASTICLOADBALANCING.PR.1", $"{settings.Name}.https is false: no certificate is configured, so there is no HTTPS listener to redirect to; set {settings.Name}.https and {settings.Name}.certificateArn."));
        }

        // Defence in depth: /metrics is served only on the management port, which no listener or security
        // group rule reaches; should it ever appear on the service port, the load balancer still hides it.
        Listener.AddAction("HideMetrics", new AddApplicationActionProps
        {
            Priority = MetricsRulePriority,
            Conditions = [ListenerCondition.PathPatterns([ServiceContract.MetricsPath + "*"])],
            Action = ListenerAction.FixedResponse(404, new FixedResponseOptions { ContentType = "text/plain", MessageBody = "Not Found" }),
        });
    }

    public Bucket AccessLogs { get; }

    public SecurityGroup SecurityGroup { get; }

    public ApplicationLoadBalancer LoadBalancer { get; }

    public ApplicationTargetGroup TargetGroup { get; }

    /// <summary>The listener that forwards to the service (HTTPS when configured).</summary>
    public ApplicationListener Listener { get; }
}
