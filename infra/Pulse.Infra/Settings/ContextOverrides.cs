using System.Globalization;
using System.Text.Json;

namespace Pulse.Infra.Settings;

/// <summary>
/// Reads CDK context into <see cref="EnvironmentSettings"/>. Keys are <c>&lt;environment&gt;.&lt;setting&gt;</c>
/// (e.g. <c>prod.certificateArn</c>, <c>dev.taskCpu</c>), given on the command line
/// (<c>-c prod.https=true</c>, always strings) or in <c>cdk.json</c> (strings, numbers, booleans or arrays).
/// <c>environments</c> (comma-separated, default <c>dev,prod</c>) selects what is synthesized.
/// </summary>
internal static class ContextOverrides
{
    /// <summary>Context key listing the environments to synthesize.</summary>
    public const string EnvironmentsKey = "environments";

    private delegate EnvironmentSettings Apply(EnvironmentSettings settings, ContextValue value);

    private static readonly Dictionary<string, Apply> Setters = new(StringComparer.Ordinal)
    {
        ["region"] = (s, v) => s with { Region = v.String() },
        ["account"] = (s, v) => s with { Account = v.OptionalString() },
        ["azCount"] = (s, v) => s with { AzCount = v.Int() },
        ["availabilityZones"] = (s, v) => s with { AvailabilityZones = v.List() },
        ["natGateways"] = (s, v) => s with { NatGateways = v.Int() },
        ["vpcCidr"] = (s, v) => s with { VpcCidr = v.String() },
        ["imageTag"] = (s, v) => s with { ImageTag = v.OptionalString() },
        ["taskCpu"] = (s, v) => s with { TaskCpu = v.Int() },
        ["taskMemoryMiB"] = (s, v) => s with { TaskMemoryMiB = v.Int() },
        ["autoscaling"] = (s, v) => s with { Autoscaling = v.Bool() },
        ["desiredTasks"] = (s, v) => s with { DesiredTasks = v.Int() },
        ["minTasks"] = (s, v) => s with { MinTasks = v.Int() },
        ["maxTasks"] = (s, v) => s with { MaxTasks = v.Int() },
        ["minHealthyPercent"] = (s, v) => s with { MinHealthyPercent = v.Int() },
        ["maxHealthyPercent"] = (s, v) => s with { MaxHealthyPercent = v.Int() },
        ["spotPercent"] = (s, v) => s with { SpotPercent = v.Int() },
        ["cpuTargetPercent"] = (s, v) => s with { CpuTargetPercent = v.Int() },
        ["memoryTargetPercent"] = (s, v) => s with { MemoryTargetPercent = v.Int() },
        ["requestsPerTarget"] = (s, v) => s with { RequestsPerTarget = v.Int() },
        ["ecsExec"] = (s, v) => s with { EcsExec = v.Bool() },
        ["readOnlyRootFilesystem"] = (s, v) => s with { ReadOnlyRootFilesystem = v.Bool() },
        ["databaseInstanceClass"] = (s, v) => s with { DatabaseInstanceClass = v.String() },
        ["databaseStorageGiB"] = (s, v) => s with { DatabaseStorageGiB = v.Int() },
        ["databaseMaxStorageGiB"] = (s, v) => s with { DatabaseMaxStorageGiB = v.Int() },
        ["databaseMultiAz"] = (s, v) => s with { DatabaseMultiAz = v.Bool() },
        ["deletionProtection"] = (s, v) => s with { DeletionProtection = v.Bool() },
        ["retainData"] = (s, v) => s with { RetainData = v.Bool() },
        ["backupRetentionDays"] = (s, v) => s with { BackupRetentionDays = v.Int() },
        ["secretRotationDays"] = (s, v) => s with { SecretRotationDays = v.Int() },
        ["https"] = (s, v) => s with { Https = v.Bool() },
        ["certificateArn"] = (s, v) => s with { CertificateArn = v.OptionalString() },
        ["logRetentionDays"] = (s, v) => s with { LogRetentionDays = v.Int() },
        ["alarms"] = (s, v) => s with { Alarms = v.Bool() },
        ["dashboard"] = (s, v) => s with { Dashboard = v.Bool() },
        ["alarmEmail"] = (s, v) => s with { AlarmEmail = v.OptionalString() },
        ["pageEmail"] = (s, v) => s with { PageEmail = v.OptionalString() },
        ["prometheusOnAws"] = (s, v) => s with { PrometheusOnAws = v.Bool() },
        ["adotCollectorImage"] = (s, v) => s with { AdotCollectorImage = v.String() },
    };

    /// <summary>
    /// Keys of the existing-VPC description; <c>vpcId</c> switches it on and the rest are then required.
    /// </summary>
    private static readonly string[] ExistingVpcKeys =
        ["vpcId", "vpcAvailabilityZones", "vpcPublicSubnetIds", "vpcAppSubnetIds", "vpcDatabaseSubnetIds"];

    /// <summary>Every setting name a context key may carry after the environment prefix.</summary>
    public static IEnumerable<string> SettingNames => Setters.Keys.Concat(ExistingVpcKeys);

    /// <summary>
    /// The validated settings of every selected environment. <paramref name="lookup"/> reads one context
    /// value (null when absent); <paramref name="knownKeys"/> are all context keys present, when the caller
    /// can list them, so that a misspelt setting stops synthesis instead of being ignored.
    /// </summary>
    public static IReadOnlyList<EnvironmentSettings> Resolve(Func<string, object?> lookup, IEnumerable<string>? knownKeys = null)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        var errors = new List<string>();
        var selected = ContextValue.Of(EnvironmentsKey, lookup(EnvironmentsKey)) is { IsPresent: true } environments
            ? environments.List()
            : EnvironmentSettings.Defaults.Keys.ToList();

        foreach (var key in knownKeys ?? [])
        {
            var dot = key.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0 && EnvironmentSettings.Defaults.ContainsKey(key[..dot]) && !SettingNames.Contains(key[(dot + 1)..], StringComparer.Ordinal))
            {
                errors.Add($"Unknown setting '{key}'. Settings are: {string.Join(", ", SettingNames)}.");
            }
        }

        var result = new List<EnvironmentSettings>();
        foreach (var name in selected)
        {
            if (!EnvironmentSettings.Defaults.TryGetValue(name, out var defaults))
            {
                errors.Add($"Unknown environment '{name}' in context '{EnvironmentsKey}'. Environments are: {string.Join(", ", EnvironmentSettings.Defaults.Keys)}.");
                continue;
            }

            // Unreadable values keep their defaults, so the validation below can still report everything else.
            var settings = Override(defaults, lookup, errors);
            errors.AddRange(SettingsValidator.Validate(settings));
            result.Add(settings);
        }

        return errors.Count > 0 ? throw new InvalidSettingsException(errors) : result;
    }

    /// <summary>
    /// Applies the context values of one environment to its defaults (no validation); values that cannot
    /// be read are reported in <paramref name="errors"/> and leave the default in place.
    /// </summary>
    public static EnvironmentSettings Override(EnvironmentSettings defaults, Func<string, object?> lookup, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(lookup);
        ArgumentNullException.ThrowIfNull(errors);
        var settings = defaults;
        foreach (var (name, apply) in Setters)
        {
            var key = $"{defaults.Name}.{name}";
            var value = ContextValue.Of(key, lookup(key));
            if (!value.IsPresent)
            {
                continue;
            }

            try
            {
                settings = apply(settings, value);
            }
            catch (FormatException e)
            {
                errors.Add(e.Message);
            }
        }

        var vpc = ExistingVpcKeys.ToDictionary(k => k, k => ContextValue.Of($"{defaults.Name}.{k}", lookup($"{defaults.Name}.{k}")));
        if (vpc["vpcId"].IsPresent)
        {
            var missing = vpc.Where(p => !p.Value.IsPresent).Select(p => $"{defaults.Name}.{p.Key}").ToList();
            if (missing.Count > 0)
            {
                errors.Add($"{defaults.Name}.vpcId is set, so these are required too (comma-separated ids, one per zone, in zone order): {string.Join(", ", missing)}.");
            }
            else
            {
                try
                {
                    settings = settings with
                    {
                        ExistingVpc = new ExistingVpcSettings
                        {
                            VpcId = vpc["vpcId"].String(),
                            AvailabilityZones = vpc["vpcAvailabilityZones"].List(),
                            PublicSubnetIds = vpc["vpcPublicSubnetIds"].List(),
                            AppSubnetIds = vpc["vpcAppSubnetIds"].List(),
                            DatabaseSubnetIds = vpc["vpcDatabaseSubnetIds"].List(),
                        },
                    };
                }
                catch (FormatException e)
                {
                    errors.Add(e.Message);
                }
            }
        }
        else if (vpc.Any(p => p.Value.IsPresent))
        {
            errors.Add($"{string.Join(", ", vpc.Where(p => p.Value.IsPresent).Select(p => $"{defaults.Name}.{p.Key}"))} given without {defaults.Name}.vpcId.");
        }

        return settings;
    }

    /// <summary>
    /// One context value as the CLI (strings from <c>-c key=value</c>, JSON from cdk.json) or the App
    /// (jsii hands JSON over as .NET primitives and arrays) gives it.
    /// </summary>
    private sealed record ContextValue(string Key, object? Raw)
    {
        public static ContextValue Of(string key, object? raw) => new(key, Normalize(raw));

        public bool IsPresent => Raw is not null;

        public string String() => Raw as string ?? throw Invalid("a string");

        /// <summary>A string where empty means "not set" (to clear a default from the command line).</summary>
        public string? OptionalString() => String() is { Length: > 0 } s ? s : null;

        public int Int() => Raw switch
        {
            string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => i,
            double d when d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
            _ => throw Invalid("a whole number"),
        };

        public bool Bool() => Raw switch
        {
            bool b => b,
            string s when bool.TryParse(s, out var b) => b,
            _ => throw Invalid("true or false"),
        };

        public IReadOnlyList<string> List() => Raw switch
        {
            string s => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            IReadOnlyList<object?> items when items.All(i => i is string) => items.Cast<string>().ToList(),
            _ => throw Invalid("a comma-separated list or an array of strings"),
        };

        /// <summary>Strings (trimmed), doubles, booleans, lists of those, or null.</summary>
        private static object? Normalize(object? raw) => raw switch
        {
            null => null,
            string s => s.Trim(),
            bool b => b,
            int or long or float or double or decimal => Convert.ToDouble(raw, CultureInfo.InvariantCulture),
            JsonElement e => e.ValueKind switch
            {
                JsonValueKind.String => e.GetString()!.Trim(),
                JsonValueKind.Number => e.GetDouble(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Array => e.EnumerateArray().Select(x => Normalize(x)).ToList(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => e.GetRawText(),
            },
            System.Collections.IEnumerable items => items.Cast<object?>().Select(Normalize).ToList(),
            _ => Convert.ToString(raw, CultureInfo.InvariantCulture),
        };

        private FormatException Invalid(string expected) =>
            new($"Context '{Key}' must be {expected} (got '{Describe(Raw)}').");

        private static string Describe(object? value) => value switch
        {
            IEnumerable<object?> items => "[" + string.Join(", ", items.Select(Describe)) + "]",
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
        };
    }
}
