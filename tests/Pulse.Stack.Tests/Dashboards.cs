using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pulse.Stack.Tests;

/// <summary>The Grafana dashboards in deploy/grafana/dashboards, read as their panels, queries and variables.</summary>
internal static partial class Dashboards
{
    public const string Directory = "deploy/grafana/dashboards";

    public static IReadOnlyList<Dashboard> LoadAll() =>
        [.. System.IO.Directory.GetFiles(Repository.PathOf(Directory), "*.json").Order(StringComparer.Ordinal).Select(Dashboard.Load)];

    /// <summary>
    /// Grafana's built-in interval variables, replaced as Grafana would for a 15 s scrape interval
    /// (the data source's timeInterval): $__rate_interval is at least four scrape intervals.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> BuiltInVariables = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["__rate_interval"] = "1m",
        ["__interval"] = "15s",
        ["__range"] = "1h",
    };

    /// <summary>Replaces <c>$name</c> and <c>${name}</c> with the given values; throws on a variable it does not know.</summary>
    public static string Substitute(string expression, IReadOnlyDictionary<string, string> values) =>
        VariableRegex().Replace(expression, match =>
        {
            var name = match.Groups["braced"].Success ? match.Groups["braced"].Value : match.Groups["plain"].Value;
            return values.TryGetValue(name, out var value) || BuiltInVariables.TryGetValue(name, out value)
                ? value
                : throw new InvalidOperationException($"Unknown variable ${name} in: {expression}");
        });

    /// <summary>Names of the variables an expression uses (built-in ones excluded).</summary>
    public static IEnumerable<string> VariablesIn(string expression) =>
        VariableRegex().Matches(expression)
            .Select(m => m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Value)
            .Where(name => !BuiltInVariables.ContainsKey(name));

    [GeneratedRegex(@"\$(?:\{(?<braced>\w+)\}|(?<plain>\w+))")]
    private static partial Regex VariableRegex();
}

internal sealed record Dashboard(string File, string Uid, string Title, IReadOnlyList<Panel> Panels, IReadOnlyList<Variable> Variables, JsonElement Json)
{
    public static Dashboard Load(string path)
    {
        using var document = JsonDocument.Parse(System.IO.File.ReadAllText(path));
        var root = document.RootElement.Clone();
        var panels = new List<Panel>();
        foreach (var panel in root.GetProperty("panels").EnumerateArray())
        {
            panels.Add(Panel.From(panel));
            if (panel.TryGetProperty("panels", out var nested))
            {
                // Panels inside a collapsed row.
                panels.AddRange(nested.EnumerateArray().Select(Panel.From));
            }
        }

        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().Select(Variable.From).ToList();
        return new Dashboard(
            Path.GetFileName(path), root.GetProperty("uid").GetString()!, root.GetProperty("title").GetString()!, panels, variables, root);
    }

    public override string ToString() => Title;
}

internal sealed record Panel(int Id, string Type, string Title, string? DataSourceUid, IReadOnlyList<Target> Targets, JsonElement Json)
{
    public static Panel From(JsonElement panel) => new(
        panel.GetProperty("id").GetInt32(),
        panel.GetProperty("type").GetString()!,
        panel.GetProperty("title").GetString()!,
        panel.TryGetProperty("datasource", out var ds) && ds.ValueKind == JsonValueKind.Object ? ds.GetProperty("uid").GetString() : null,
        panel.TryGetProperty("targets", out var targets)
            ? [.. targets.EnumerateArray().Select(t => new Target(
                t.GetProperty("refId").GetString()!,
                t.GetProperty("expr").GetString()!,
                t.TryGetProperty("datasource", out var tds) ? tds.GetProperty("uid").GetString() : null,
                t.TryGetProperty("exemplar", out var exemplar) && exemplar.GetBoolean()))]
            : [],
        panel);

    public bool IsRow => Type == "row";
}

/// <summary>A panel query; <paramref name="Exemplar"/>: Grafana also asks Prometheus for the exemplars of its series.</summary>
internal sealed record Target(string RefId, string Expression, string? DataSourceUid, bool Exemplar);

internal sealed partial record Variable(string Name, string Query, bool IncludeAll, string? AllValue, bool DefaultsToAll, string? DataSourceUid)
{
    public static Variable From(JsonElement variable)
    {
        var query = variable.GetProperty("query");
        return new Variable(
            variable.GetProperty("name").GetString()!,
            query.ValueKind == JsonValueKind.Object ? query.GetProperty("query").GetString()! : query.GetString()!,
            variable.TryGetProperty("includeAll", out var all) && all.GetBoolean(),
            variable.TryGetProperty("allValue", out var allValue) ? allValue.GetString() : null,
            variable.TryGetProperty("current", out var current) && current.TryGetProperty("value", out var value)
                && value.ValueKind == JsonValueKind.Array && value.EnumerateArray().Any(v => v.GetString() == "$__all"),
            variable.TryGetProperty("datasource", out var ds) ? ds.GetProperty("uid").GetString() : null);
    }

    /// <summary>The series selector and label of a <c>label_values(selector, label)</c> query.</summary>
    public (string? Selector, string Label) LabelValues()
    {
        var match = LabelValuesRegex().Match(Query);
        return match.Success
            ? (match.Groups["selector"].Success ? match.Groups["selector"].Value : null, match.Groups["label"].Value)
            : throw new InvalidOperationException($"Variable {Name}: '{Query}' is not a label_values() query.");
    }

    [GeneratedRegex(@"^label_values\(\s*(?:(?<selector>.+?)\s*,\s*)?(?<label>[a-zA-Z_]\w*)\s*\)$")]
    private static partial Regex LabelValuesRegex();
}
