using System.Text.Json;
using Amazon.CDK.Assertions;
using Pulse.Infra.Tests.Support;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

[Collection(SynthesizedAppGroup.Name)]
public sealed class LoadBalancerTests(SynthesizedApp app)
{
    private static Dictionary<string, object> Props(params (string Key, object Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void LoadBalancerIsPublicAndLogsAccessToAnEncryptedPrivateBucket(string env)
    {
        var stack = $"Pulse-{env}-Service";
        var template = app.Template(stack);
        var (bucketId, _) = app.Resources(stack, "AWS::S3::Bucket").Single();

        var loadBalancer = app.Sole(stack, "AWS::ElasticLoadBalancingV2::LoadBalancer");
        Assert.Equal("internet-facing", loadBalancer.Prop("Scheme").GetString());
        var attributes = loadBalancer.Prop("LoadBalancerAttributes").EnumerateArray()
            .ToDictionary(a => a.GetProperty("Key").GetString()!, a => a.GetProperty("Value"));
        Assert.Equal("true", attributes["access_logs.s3.enabled"].GetString());
        Assert.Equal(bucketId, Cfn.ReferencedId(attributes["access_logs.s3.bucket"]));
        Assert.Equal("true", attributes["routing.http.drop_invalid_header_fields.enabled"].GetString());
        Assert.Equal(env == "prod" ? "true" : "false", attributes["deletion_protection.enabled"].GetString());
        Assert.All(loadBalancer.Prop("Subnets").Strings(), s => Assert.Contains("ExportsOutputRefVpcPublicSubnet", s, StringComparison.Ordinal));

        template.HasResourceProperties("AWS::S3::Bucket", Props(
            ("BucketEncryption", Props(("ServerSideEncryptionConfiguration", new object[] { Props(("ServerSideEncryptionByDefault", Props(("SSEAlgorithm", "AES256")))) }))),
            ("PublicAccessBlockConfiguration", Props(("BlockPublicAcls", true), ("BlockPublicPolicy", true), ("IgnorePublicAcls", true), ("RestrictPublicBuckets", true)))));
        // enforceSSL: the bucket policy denies every request not made over TLS.
        template.HasResourceProperties("AWS::S3::BucketPolicy", Props(("PolicyDocument", Match.ObjectLike(Props(("Statement", Match.ArrayWith(new object[]
        {
            Match.ObjectLike(Props(("Effect", "Deny"), ("Condition", Props(("Bool", Props(("aws:SecureTransport", "false"))))))),
        })))))));
    }

    [RequiresToolsFact("node")]
    public void ProductionOnPlainHttpIsALoudWarningAtSynthesis()
    {
        static List<string> Warnings(string directory, string stack)
        {
            using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "manifest.json")));
            return manifest.RootElement.GetProperty("artifacts").GetProperty(stack).GetProperty("metadata").EnumerateObject()
                .SelectMany(p => p.Value.EnumerateArray())
                .Where(e => e.GetProperty("type").GetString() == "aws:cdk:warning")
                .Select(e => e.GetProperty("data").GetString()!)
                .ToList();
        }

        // As cdk.json ships it, prod has no certificate; the test app's prod has one.
        Assert.Contains(Warnings(app.ShippedDirectory, "Pulse-prod-Service"), w => w.StartsWith("prod serves plain HTTP: set prod.https=true and prod.certificateArn", StringComparison.Ordinal));
        Assert.DoesNotContain(Warnings(app.Directory, "Pulse-prod-Service"), w => w.Contains("plain HTTP", StringComparison.Ordinal));
    }

    [RequiresToolsFact("node")]
    public void WithoutACertificateTheLoadBalancerServesPlainHttp()
    {
        var listener = Assert.Single(app.Resources("Pulse-dev-Service", "AWS::ElasticLoadBalancingV2::Listener")).Resource;

        Assert.Equal((80, "HTTP"), (listener.Prop("Port").GetInt32(), listener.Prop("Protocol").GetString()));
        Assert.Equal("forward", listener.Prop("DefaultActions")[0].GetProperty("Type").GetString());
        Assert.DoesNotContain(app.Resources("Pulse-dev-Service", "AWS::EC2::SecurityGroup").Select(g => g.Resource.GetRawText()), g => g.Contains("\"FromPort\":443", StringComparison.Ordinal));
    }

    [RequiresToolsFact("node")]
    public void WithACertificateHttpsServesAndHttpRedirectsPermanently()
    {
        var template = app.Template("Pulse-prod-Service");

        template.ResourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 2);
        template.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Props(
            ("Port", 443),
            ("Protocol", "HTTPS"),
            ("Certificates", new object[] { Props(("CertificateArn", SynthesizedApp.CertificateArn)) }),
            ("SslPolicy", Match.StringLikeRegexp("^ELBSecurityPolicy-TLS13-")),
            ("DefaultActions", new object[] { Match.ObjectLike(Props(("Type", "forward"))) })));
        template.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Props(
            ("Port", 80),
            ("Protocol", "HTTP"),
            ("DefaultActions", new object[]
            {
                Props(("Type", "redirect"), ("RedirectConfig", Props(("Protocol", "HTTPS"), ("Port", "443"), ("StatusCode", "HTTP_301")))),
            })));
        var ingress = app.Resources("Pulse-prod-Service", "AWS::EC2::SecurityGroup").Single(g => g.Id.StartsWith("IngressSecurityGroup", StringComparison.Ordinal))
            .Resource.Prop("SecurityGroupIngress").EnumerateArray().Select(r => r.GetProperty("FromPort").GetInt32()).Order();
        Assert.Equal([80, 443], ingress);
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void TargetsAreCheckedOnLivenessAtTheServicePortAndDeregisterQuickly(string env)
    {
        app.Template($"Pulse-{env}-Service").HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", Props(
            ("Port", 8080),
            ("Protocol", "HTTP"),
            ("TargetType", "ip"),
            ("HealthCheckPath", "/health/live"),
            ("HealthCheckPort", "8080"),
            ("Matcher", Props(("HttpCode", "200"))),
            ("TargetGroupAttributes", Match.ArrayWith(new object[] { Props(("Key", "deregistration_delay.timeout_seconds"), ("Value", "30")) }))));
        app.Template($"Pulse-{env}-Service").HasResourceProperties("AWS::ECS::Service", Props(
            ("LoadBalancers", new object[] { Props(("ContainerName", "api"), ("ContainerPort", 8080), ("TargetGroupArn", Match.AnyValue())) })));
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev", "HTTP")]
    [InlineData("prod", "HTTPS")]
    public void MetricsPathAnswers404OnTheServingListener(string env, string protocol)
    {
        var (listenerId, _) = app.Resources($"Pulse-{env}-Service", "AWS::ElasticLoadBalancingV2::Listener")
            .Single(l => l.Resource.Prop("Protocol").GetString() == protocol);

        app.Template($"Pulse-{env}-Service").HasResourceProperties("AWS::ElasticLoadBalancingV2::ListenerRule", Props(
            ("ListenerArn", Props(("Ref", listenerId))),
            ("Priority", 1),
            ("Conditions", new object[] { Props(("Field", "path-pattern"), ("PathPatternConfig", Props(("Values", new[] { "/metrics*" })))) }),
            ("Actions", new object[] { Props(("Type", "fixed-response"), ("FixedResponseConfig", Match.ObjectLike(Props(("StatusCode", "404"))))) })));
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void OnlyTheLoadBalancerReachesTheTasksAndOnlyOnTheServicePort(string env)
    {
        var stack = $"Pulse-{env}-Service";
        var rules = app.Resources(stack, "AWS::EC2::SecurityGroupIngress")
            .Where(r => Cfn.ReferencedId(r.Resource.Prop("GroupId"))?.StartsWith("ServiceSecurityGroup", StringComparison.Ordinal) == true)
            .Select(r => r.Resource)
            .ToList();
        var inline = app.Resources(stack, "AWS::EC2::SecurityGroup").Single(g => g.Id.StartsWith("ServiceSecurityGroup", StringComparison.Ordinal)).Resource.Prop("SecurityGroupIngress");

        Assert.Equal(JsonValueKind.Undefined, inline.ValueKind);
        var rule = Assert.Single(rules);
        Assert.Equal((8080, 8080), (rule.Prop("FromPort").GetInt32(), rule.Prop("ToPort").GetInt32()));
        Assert.StartsWith("IngressSecurityGroup", Cfn.ReferencedId(rule.Prop("SourceSecurityGroupId")), StringComparison.Ordinal);

        // The management port (/metrics) is open nowhere.
        foreach (var name in app.Environment(env).Stacks.Select(s => s.StackName))
        {
            Assert.DoesNotContain("9464", string.Join('\n', app.Resources(name, "AWS::EC2::SecurityGroupIngress").Select(r => r.Resource.GetRawText())), StringComparison.Ordinal);
            Assert.DoesNotContain("9464", string.Join('\n', app.Resources(name, "AWS::EC2::SecurityGroup").Select(r => r.Resource.GetRawText())), StringComparison.Ordinal);
            Assert.DoesNotContain("9464", string.Join('\n', app.Resources(name, "AWS::ElasticLoadBalancingV2::TargetGroup").Select(r => r.Resource.GetRawText())), StringComparison.Ordinal);
        }
    }
}
