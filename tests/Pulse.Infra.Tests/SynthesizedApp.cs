using System.Text.Json;
using Amazon.CDK.Assertions;
using Pulse.Infra.Settings;

namespace Pulse.Infra.Tests;

/// <summary>
/// The app synthesized once per test run (jsii makes each synthesis cost seconds): <c>dev</c> as shipped
/// (without an image tag), <c>prod</c> with an image tag, HTTPS, alarm and page e-mails and Prometheus on AWS
/// switched on through CDK context the way the CLI passes it (strings), and a third environment, <c>shared</c>,
/// in an existing VPC with ECS Exec, a mixed Spot share, autoscaling, alarms and dashboard on, and other rolling
/// percentages. Templates are read from the cloud assembly rather than with <c>Template.FromStack</c>, which
/// would synthesize the whole app again for every stack.
/// <para>
/// A second assembly, <see cref="ShippedDirectory"/>, is the app exactly as infra/cdk.json configures it, with
/// the image tag the deploy workflow adds: what cfn-lint, cfn-guard and cdk-nag must accept.
/// </para>
/// </summary>
public sealed class SynthesizedApp : IDisposable
{
    public const string CertificateArn = "arn:aws:acm:eu-central-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    public const string AlarmEmail = "team@example.com";
    public const string PageEmail = "oncall@example.com";
    public const string ImageTag = "0123456789abcdef0123456789abcdef01234567";

    internal static ExistingVpcSettings SharedVpc { get; } = new()
    {
        VpcId = "vpc-0a1b2c3d4e5f60718",
        AvailabilityZones = ["eu-central-1a", "eu-central-1b", "eu-central-1c"],
        PublicSubnetIds = ["subnet-0000000000000000a", "subnet-0000000000000000b", "subnet-0000000000000000c"],
        AppSubnetIds = ["subnet-1111111111111111a", "subnet-1111111111111111b", "subnet-1111111111111111c"],
        DatabaseSubnetIds = ["subnet-2222222222222222a", "subnet-2222222222222222b", "subnet-2222222222222222c"],
    };

    internal static EnvironmentSettings Shared { get; } = EnvironmentSettings.Dev with
    {
        Name = "shared",
        ExistingVpc = SharedVpc,
        EcsExec = true,
        ReadOnlyRootFilesystem = false,
        SpotPercent = 70,
        Autoscaling = true,
        MinTasks = 2,
        MaxTasks = 4,
        MinHealthyPercent = 50,
        MaxHealthyPercent = 150,
        Alarms = true,
        Dashboard = true,
        LogRetentionDays = 7,
        ImageTag = ImageTag,
    };

    private readonly Dictionary<string, Template> templates = [];
    private readonly Dictionary<string, JsonDocument> documents = [];

    public SynthesizedApp()
    {
        Directory = Path.Combine(Path.GetTempPath(), "pulse-infra-tests-" + Guid.NewGuid().ToString("N"));
        var context = new Dictionary<string, object>
        {
            ["prod.https"] = "true",
            ["prod.certificateArn"] = CertificateArn,
            ["prod.alarmEmail"] = AlarmEmail,
            ["prod.pageEmail"] = PageEmail,
            ["prod.prometheusOnAws"] = "true",
            ["prod.imageTag"] = ImageTag,
        };
        var (app, environments) = PulseApp.Create(context, Directory);
        Environments = [.. environments, .. PulseApp.Build(app, [Shared])];
        _ = app.Synth();

        ShippedDirectory = Directory + "-shipped";
        var shipped = CdkJsonContext();
        foreach (var environment in EnvironmentSettings.Defaults.Keys)
        {
            shipped[$"{environment}.imageTag"] = ImageTag;
        }

        var (shippedApp, shippedEnvironments) = PulseApp.Create(shipped, ShippedDirectory);
        ShippedStackNames = [.. shippedEnvironments.SelectMany(e => e.Stacks).Select(s => s.StackName)];
        _ = shippedApp.Synth();
    }

    /// <summary>The cloud assembly directory (for the cdk-nag check).</summary>
    public string Directory { get; }

    /// <summary>The assembly of the app as infra/cdk.json configures it (plus an image tag).</summary>
    public string ShippedDirectory { get; }

    public IReadOnlyList<string> ShippedStackNames { get; }

    /// <summary>The context of infra/cdk.json as the values the App accepts (strings, booleans, numbers).</summary>
    public static Dictionary<string, object> CdkJsonContext()
    {
        using var cdkJson = JsonDocument.Parse(File.ReadAllText(Support.Repository.Path("infra", "cdk.json")));
        return cdkJson.RootElement.GetProperty("context").EnumerateObject().ToDictionary(
            p => p.Name,
            p => p.Value.ValueKind switch
            {
                JsonValueKind.String => (object)p.Value.GetString()!,
                JsonValueKind.True or JsonValueKind.False => p.Value.GetBoolean(),
                JsonValueKind.Number => p.Value.GetDouble(),
                _ => p.Value.GetRawText(),
            });
    }

    internal IReadOnlyList<PulseEnvironment> Environments { get; }

    internal PulseEnvironment Environment(string name) => Environments.Single(e => e.Settings.Name == name);

    /// <summary>Every stack name in the assembly.</summary>
    public IEnumerable<string> StackNames => Environments.SelectMany(e => e.Stacks).Select(s => s.StackName);

    /// <summary>The assertions view of one stack's template, parsed once.</summary>
    public Template Template(string stackName)
    {
        if (!templates.TryGetValue(stackName, out var template))
        {
            template = Amazon.CDK.Assertions.Template.FromString(File.ReadAllText(TemplatePath(stackName)));
            templates[stackName] = template;
        }

        return template;
    }

    /// <summary>The same template as JSON, for checks the assertions library cannot express.</summary>
    public JsonElement Json(string stackName)
    {
        if (!documents.TryGetValue(stackName, out var document))
        {
            document = JsonDocument.Parse(File.ReadAllText(TemplatePath(stackName)));
            documents[stackName] = document;
        }

        return document.RootElement;
    }

    /// <summary>Resources of one type in a stack, by logical id.</summary>
    public IEnumerable<(string Id, JsonElement Resource)> Resources(string stackName, string type) =>
        Json(stackName).GetProperty("Resources").EnumerateObject()
            .Where(r => r.Value.GetProperty("Type").GetString() == type)
            .Select(r => (r.Name, r.Value));

    /// <summary>The single resource of a type in a stack.</summary>
    public JsonElement Sole(string stackName, string type) => Resources(stackName, type).Single().Resource;

    public void Dispose()
    {
        foreach (var document in documents.Values)
        {
            document.Dispose();
        }

        foreach (var directory in new[] { Directory, ShippedDirectory })
        {
            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A temp directory left behind is harmless.
            }
        }
    }

    private string TemplatePath(string stackName) => Path.Combine(Directory, stackName + ".template.json");
}

/// <summary>Test classes that read the synthesized app share one synthesis and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class SynthesizedAppGroup : ICollectionFixture<SynthesizedApp>
{
    public const string Name = "Synthesized app";
}
