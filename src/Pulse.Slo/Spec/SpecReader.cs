using System.Globalization;
using System.Text.RegularExpressions;
using Pulse.Telemetry;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pulse.Slo.Spec;

/// <summary>One problem of a spec: the field it is about (<c>objectives[1].target</c>) and what is wrong.</summary>
public sealed record SpecError(string Field, string Message, int Line)
{
    public override string ToString() => Line > 0
        ? string.Create(CultureInfo.InvariantCulture, $"line {Line}: {Field}: {Message}")
        : $"{Field}: {Message}";
}

/// <summary>A spec that cannot be used; <see cref="Errors"/> lists every problem found.</summary>
public sealed class SpecException(string file, IReadOnlyList<SpecError> errors)
    : Exception($"{file} is not a valid SLO spec:\n" + string.Join('\n', errors.Select(e => "  " + e)))
{
    public IReadOnlyList<SpecError> Errors { get; } = errors;
}

/// <summary>
/// Reads and validates the SLO spec (schema in docs/slo.md). Every problem is reported with the field it is
/// about; nothing is generated from a spec with a problem.
/// </summary>
public static partial class SpecReader
{
    /// <summary>The schema version this reader understands.</summary>
    public const int SupportedVersion = 1;

    /// <summary>Shortest and longest SLO window in days (the alert thresholds keep the budget shares of a 30-day window in mind).</summary>
    public const int MinWindowDays = 28;

    /// <summary>See <see cref="MinWindowDays"/>.</summary>
    public const int MaxWindowDays = 90;

    private static readonly string[] RootFields = ["version", "job", "window", "objectives"];
    private static readonly string[] ObjectiveFields = ["name", "description", "sli", "target", "endpoint", "threshold"];

    public static SloSpec ReadFile(string path, ServiceFacts facts, string? displayName = null) =>
        Read(File.ReadAllText(path), facts, displayName ?? path);

    public static SloSpec Read(string yaml, ServiceFacts facts, string displayName = "spec")
    {
        ArgumentNullException.ThrowIfNull(facts);
        var errors = new List<SpecError>();
        YamlNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count == 1 ? stream.Documents[0].RootNode : null;
        }
        catch (YamlException e)
        {
            throw new SpecException(displayName, [new SpecError("(file)", $"not YAML: {e.Message}", (int)e.Start.Line)]);
        }

        if (root is not YamlMappingNode mapping)
        {
            throw new SpecException(displayName, [new SpecError("(file)", "must be one YAML document holding a mapping (version, job, window, objectives)", 0)]);
        }

        CheckFields(mapping, "", RootFields, errors);
        var version = ReadVersion(mapping, errors);
        var job = ReadJob(mapping, errors);
        var windowDays = ReadWindow(mapping, errors);
        var objectives = ReadObjectives(mapping, facts, errors);
        if (windowDays > 0)
        {
            CheckBudgetsCanPage(objectives, windowDays, errors);
        }

        if (errors.Count > 0)
        {
            throw new SpecException(displayName, errors);
        }

        return new SloSpec(version, job, windowDays, [.. objectives.Select(o => o.Objective)]);
    }

    private static int ReadVersion(YamlMappingNode root, List<SpecError> errors)
    {
        var node = Required(root, "version", "version", errors);
        if (node is null)
        {
            return 0;
        }

        if (node is not YamlScalarNode { Value: var text } || text != SupportedVersion.ToString(CultureInfo.InvariantCulture))
        {
            errors.Add(Error("version", node, $"must be {SupportedVersion} (the only schema version)"));
        }

        return SupportedVersion;
    }

    private static string ReadJob(YamlMappingNode root, List<SpecError> errors)
    {
        var text = RequiredText(root, "job", "job", errors);
        if (text is not null && !LabelValueRegex().IsMatch(text))
        {
            errors.Add(Error("job", root.Children[new YamlScalarNode("job")], $"'{text}' is not a Prometheus job name (letters, digits, '-', '_', '.')"));
        }

        return text ?? string.Empty;
    }

    private static int ReadWindow(YamlMappingNode root, List<SpecError> errors)
    {
        var text = RequiredText(root, "window", "window", errors);
        if (text is null)
        {
            return 0;
        }

        var match = WindowRegex().Match(text);
        if (!match.Success || !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var days)
            || days < MinWindowDays || days > MaxWindowDays)
        {
            errors.Add(Error("window", root.Children[new YamlScalarNode("window")],
                $"'{text}' must be a whole number of days from {MinWindowDays}d to {MaxWindowDays}d, e.g. 30d"));
            return 0;
        }

        return days;
    }

    /// <summary>
    /// The page alert fires when the error ratio exceeds the fastest burn rate times the budget (14.4 x 0.001
    /// for 99.9 % over 30 days). A budget so large that this product reaches 100 % could never page: an error
    /// ratio cannot exceed 1.
    /// </summary>
    private static void CheckBudgetsCanPage(List<(Objective Objective, YamlMappingNode Node, string Path)> objectives, int windowDays, List<SpecError> errors)
    {
        var fastest = BurnRateScheme.Alerts.Max(a => a.BurnRate(windowDays));
        foreach (var (objective, node, path) in objectives.Where(o => o.Objective.ErrorBudget * fastest >= 1m))
        {
            var lowest = Math.Ceiling(10000m * (1m - (1m / fastest))) / 100m;
            errors.Add(Error($"{path}.target", node.Children[new YamlScalarNode("target")],
                $"{Numbers.Format(objective.TargetPercent)} % leaves an error budget so large that the page alert ({Numbers.Format(fastest)} times the budget) could never fire; use a target above {Numbers.Format(lowest)} %"));
        }
    }

    private static List<(Objective Objective, YamlMappingNode Node, string Path)> ReadObjectives(YamlMappingNode root, ServiceFacts facts, List<SpecError> errors)
    {
        var objectives = new List<(Objective, YamlMappingNode, string)>();
        var node = Required(root, "objectives", "objectives", errors);
        if (node is null)
        {
            return objectives;
        }

        if (node is not YamlSequenceNode { Children.Count: > 0 } sequence)
        {
            errors.Add(Error("objectives", node, "must be a list of at least one objective"));
            return objectives;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"objectives[{i}]");
            if (sequence.Children[i] is not YamlMappingNode item)
            {
                errors.Add(Error(path, sequence.Children[i], "must be a mapping (name, sli, target, ...)"));
                continue;
            }

            var objective = ReadObjective(item, path, facts, errors);
            if (objective is not null && !names.Add(objective.Name))
            {
                errors.Add(Error($"{path}.name", item.Children[new YamlScalarNode("name")], $"'{objective.Name}' is used by an earlier objective; names must be unique"));
            }

            if (objective is not null)
            {
                objectives.Add((objective, item, path));
            }
        }

        return objectives;
    }

    private static Objective? ReadObjective(YamlMappingNode item, string path, ServiceFacts facts, List<SpecError> errors)
    {
        var before = errors.Count;
        CheckFields(item, path + ".", ObjectiveFields, errors);

        var name = RequiredText(item, "name", $"{path}.name", errors);
        if (name is not null && !NameRegex().IsMatch(name))
        {
            errors.Add(Error($"{path}.name", item.Children[new YamlScalarNode("name")],
                $"'{name}' must start with a lower-case letter and hold only lower-case letters, digits and '-' (at most 40 characters)"));
        }

        var description = OptionalText(item, "description", $"{path}.description", errors);

        SliKind? sli = null;
        var sliText = RequiredText(item, "sli", $"{path}.sli", errors);
        switch (sliText)
        {
            case null:
                break;
            case "availability":
                sli = SliKind.Availability;
                break;
            case "latency":
                sli = SliKind.Latency;
                break;
            default:
                errors.Add(Error($"{path}.sli", item.Children[new YamlScalarNode("sli")], $"'{sliText}' is not an SLI kind: use availability or latency"));
                break;
        }

        var target = ReadTarget(item, path, errors);
        var endpoint = ReadEndpoint(item, path, sli, facts, errors);
        var threshold = ReadThreshold(item, path, sli, facts, errors);

        return errors.Count > before || name is null || sli is null || target is null
            ? null
            : new Objective(name, description, sli.Value, target.Value, endpoint, threshold);
    }

    private static decimal? ReadTarget(YamlMappingNode item, string path, List<SpecError> errors)
    {
        var field = $"{path}.target";
        var text = RequiredText(item, "target", field, errors);
        if (text is null)
        {
            return null;
        }

        var node = item.Children[new YamlScalarNode("target")];
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var target))
        {
            errors.Add(Error(field, node, $"'{text}' is not a percentage: write the share of good requests in percent, e.g. 99.9"));
            return null;
        }

        if (target >= 100m)
        {
            errors.Add(Error(field, node, $"{text} % must be below 100 %: a target of 100 % leaves no error budget, so every single failure would break it"));
            return null;
        }

        if (target <= 0m)
        {
            errors.Add(Error(field, node, $"{text} % must be above 0 %"));
            return null;
        }

        return Numbers.Normalize(target);
    }

    private static string? ReadEndpoint(YamlMappingNode item, string path, SliKind? sli, ServiceFacts facts, List<SpecError> errors)
    {
        var field = $"{path}.endpoint";
        var endpoint = OptionalText(item, "endpoint", field, errors);
        if (endpoint is null)
        {
            return null;
        }

        var node = item.Children[new YamlScalarNode("endpoint")];
        if (!facts.Endpoints.Contains(endpoint))
        {
            errors.Add(Error(field, node,
                $"'{endpoint}' is not an endpoint of the service ({facts.EndpointsSource}: {string.Join(", ", facts.Endpoints.Order(StringComparer.Ordinal))}); use the route template, e.g. /products/{{id}}"));
            return null;
        }

        if (sli == SliKind.Availability)
        {
            // The EMF exporter writes ServerErrorCount at [Service] only (EmfMetrics.Emitted), so CloudWatch could
            // not measure the same objective; one spec must mean the same thing in both places.
            errors.Add(Error(field, node,
                $"an availability objective cannot be limited to an endpoint: CloudWatch has {EmfMetrics.Names.ServerErrorCount} only per service (dimension set [{EmfMetrics.Dimensions.Service}]); remove the endpoint or use a latency objective"));
            return null;
        }

        return endpoint;
    }

    private static decimal? ReadThreshold(YamlMappingNode item, string path, SliKind? sli, ServiceFacts facts, List<SpecError> errors)
    {
        var field = $"{path}.threshold";
        var text = OptionalText(item, "threshold", field, errors);
        var node = item.Children.TryGetValue(new YamlScalarNode("threshold"), out var n) ? n : item;
        if (sli == SliKind.Availability)
        {
            if (text is not null)
            {
                errors.Add(Error(field, node, "only latency objectives have a threshold"));
            }

            return null;
        }

        if (sli != SliKind.Latency)
        {
            return null;
        }

        if (text is null)
        {
            errors.Add(Error(field, item, "a latency objective needs a threshold, e.g. 300ms"));
            return null;
        }

        var match = ThresholdRegex().Match(text);
        if (!match.Success)
        {
            errors.Add(Error(field, node, $"'{text}' is not a duration: write milliseconds or seconds, e.g. 300ms or 0.3s"));
            return null;
        }

        var value = decimal.Parse(match.Groups["value"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        var ms = Numbers.Normalize(match.Groups["unit"].Value == "s" ? value * 1000m : value);
        var boundaries = facts.DurationBucketsSeconds.Select(b => Numbers.Normalize((decimal)b * 1000m)).ToList();
        if (!boundaries.Contains(ms))
        {
            // Prometheus counts requests at or below a threshold only at a bucket boundary (le); anywhere else
            // the good share would be an interpolation, and CloudWatch's PR(:threshold) would measure another thing.
            errors.Add(Error(field, node,
                $"{text} is not a bucket boundary of http_request_duration_seconds ({facts.BucketsSource}: {string.Join(", ", boundaries.Select(b => Numbers.Format(b) + "ms"))}); pick one of them or add it to {ServiceFacts.DurationBucketsKey}"));
            return null;
        }

        return ms;
    }

    private static void CheckFields(YamlMappingNode mapping, string prefix, string[] known, List<SpecError> errors)
    {
        foreach (var (key, _) in mapping.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? key.ToString();
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(Error(prefix + name, key, $"unknown field (known: {string.Join(", ", known)})"));
            }
        }
    }

    private static YamlNode? Required(YamlMappingNode mapping, string key, string field, List<SpecError> errors)
    {
        if (mapping.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return node;
        }

        errors.Add(Error(field, mapping, "is required"));
        return null;
    }

    private static string? RequiredText(YamlMappingNode mapping, string key, string field, List<SpecError> errors)
    {
        var node = Required(mapping, key, field, errors);
        return node is null ? null : Text(node, field, errors);
    }

    private static string? OptionalText(YamlMappingNode mapping, string key, string field, List<SpecError> errors) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) ? Text(node, field, errors) : null;

    private static string? Text(YamlNode node, string field, List<SpecError> errors)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } value })
        {
            return value;
        }

        errors.Add(Error(field, node, "must be a non-empty value"));
        return null;
    }

    private static SpecError Error(string field, YamlNode node, string message) => new(field, message, (int)node.Start.Line);

    [GeneratedRegex("^[a-z][a-z0-9-]{0,39}$")]
    private static partial Regex NameRegex();

    [GeneratedRegex("^[a-zA-Z0-9_.-]+$")]
    private static partial Regex LabelValueRegex();

    [GeneratedRegex("^([0-9]+)d$")]
    private static partial Regex WindowRegex();

    [GeneratedRegex("^(?<value>[0-9]+(?:\\.[0-9]+)?)(?<unit>ms|s)$")]
    private static partial Regex ThresholdRegex();
}
