using System.Text.Json;
using Amazon.CDK;
using Pulse.Infra.Constructs;
using Pulse.Infra.Settings;
using Pulse.Infra.Stacks;
using Pulse.Slo.CloudWatch;

namespace Pulse.Infra;

/// <summary>The stacks of one environment.</summary>
internal sealed record PulseEnvironment(
    EnvironmentSettings Settings,
    RegistryStack Registry,
    NetworkStack? Network,
    DataStack Data,
    ServiceStack Service)
{
    public IEnumerable<Stack> Stacks => new Stack?[] { Registry, Network, Data, Service }.OfType<Stack>();
}

/// <summary>Builds the CDK app: per environment a registry, network (unless an existing VPC), data and service stack.</summary>
internal static class PulseApp
{
    /// <summary>Context value the CDK CLI hands to the app (cdk.json context plus <c>-c</c> options).</summary>
    private const string CliContextVariable = "CDK_CONTEXT_JSON";

    /// <summary>
    /// An app whose settings come from its context: <paramref name="context"/> (tests) or, when null, what
    /// the CDK CLI passes. Throws <see cref="InvalidSettingsException"/> (bad settings) or
    /// <see cref="InvalidDataException"/> (an unreadable SLO alarm plan) before creating any construct.
    /// </summary>
    public static (App App, IReadOnlyList<PulseEnvironment> Environments) Create(IDictionary<string, object>? context = null, string? outdir = null)
    {
        // Settings are resolved from plain .NET values first, so bad settings fail fast and without jsii.
        var cliContext = context is null ? ReadCliContext() : null;
        var settings = context is not null
            ? ContextOverrides.Resolve(key => context.TryGetValue(key, out var v) ? v : null, context.Keys)
            : ContextOverrides.Resolve(key => cliContext!.TryGetValue(key, out var v) ? v : null, cliContext!.Keys);

        // The CLI asks for path metadata (aws:cdk:path) by default; ask for it here too so that
        // `dotnet run` and `cdk synth` write identical templates.
        var appContext = new Dictionary<string, object>(FeatureFlags.All) { ["aws:cdk:enable-path-metadata"] = true };
        foreach (var (key, value) in context ?? new Dictionary<string, object>())
        {
            appContext[key] = value;
        }

        // The SLO alarm plan too: a missing or unreadable plan stops synthesis with its path, not a jsii error.
        var sloPlan = ServiceLevelObjectives.CommittedPlan;

        var app = new App(new AppProps { Context = appContext, Outdir = outdir, AnalyticsReporting = false });
        return (app, Build(app, settings, sloPlan));
    }

    /// <summary>
    /// Adds the stacks of each environment to <paramref name="app"/>, with the SLO alarms of
    /// <paramref name="sloPlan"/> (by default the committed plan, <see cref="ServiceLevelObjectives.CommittedPlan"/>).
    /// </summary>
    public static IReadOnlyList<PulseEnvironment> Build(App app, IEnumerable<EnvironmentSettings> environments, AlarmPlan? sloPlan = null)
    {
        ArgumentNullException.ThrowIfNull(environments);
        var plan = sloPlan ?? ServiceLevelObjectives.CommittedPlan;
        return environments.Select(settings => Build(app, settings, plan)).ToList();
    }

    private static PulseEnvironment Build(App app, EnvironmentSettings settings, AlarmPlan sloPlan)
    {
        var errors = SettingsValidator.Validate(settings);
        if (errors.Count > 0)
        {
            throw new InvalidSettingsException(errors);
        }

        IStackProps Props(string description) => new StackProps
        {
            Env = new Amazon.CDK.Environment { Region = settings.Region, Account = settings.Account },
            Description = $"Pulse {settings.Name}: {description}",
            Tags = new Dictionary<string, string> { ["Project"] = "Pulse", ["Environment"] = settings.Name },
        };

        var prefix = settings.StackPrefix;
        var registry = new RegistryStack(app, $"{prefix}-Registry", settings, Props("ECR repository of the service image"));
        var network = settings.ExistingVpc is null
            ? new NetworkStack(app, $"{prefix}-Network", settings, Props("VPC, subnets, NAT gateways and flow logs"))
            : null;
        var data = new DataStack(app, $"{prefix}-Data", settings, network, Props("RDS PostgreSQL and its rotated credentials"));
        var service = new ServiceStack(app, $"{prefix}-Service", settings, network, registry.Repository, data, sloPlan, Props("ECS Fargate service, load balancer, autoscaling, dashboard and alarms"));
        return new PulseEnvironment(settings, registry, network, data, service);
    }

    /// <summary>
    /// The error annotations of every stack, as "stack: message", read from the cloud assembly's manifest
    /// (where the CDK CLI reads them too: <c>aws:cdk:error</c> metadata entries).
    /// </summary>
    public static IReadOnlyList<string> Errors(string assemblyDirectory)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(assemblyDirectory, "manifest.json")));
        var errors = new List<string>();
        foreach (var artifact in manifest.RootElement.GetProperty("artifacts").EnumerateObject())
        {
            if (!artifact.Value.TryGetProperty("metadata", out var metadata))
            {
                continue;
            }

            foreach (var entries in metadata.EnumerateObject())
            {
                errors.AddRange(entries.Value.EnumerateArray()
                    .Where(e => e.GetProperty("type").GetString() == "aws:cdk:error")
                    .Select(e => e.GetProperty("data") is { ValueKind: JsonValueKind.String } data
                        ? $"{artifact.Name}: {data.GetString()}"
                        : $"{artifact.Name}: {e.GetProperty("data").GetRawText()}"));
            }
        }

        return errors;
    }

    /// <summary>
    /// The context the CDK CLI passes in <c>CDK_CONTEXT_JSON</c>, so that every key can be checked
    /// (a misspelt setting stops synthesis). The App reads the same variable for its own context.
    /// </summary>
    private static Dictionary<string, object?> ReadCliContext()
    {
        var json = System.Environment.GetEnvironmentVariable(CliContextVariable);
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
    }
}
