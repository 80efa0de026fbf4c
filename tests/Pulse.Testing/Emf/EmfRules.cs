using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pulse.Testing.Emf;

/// <summary>
/// The EMF rules the JSON schema does not express (specs/emf/emf-rules.md), checked on one line of output.
/// Section numbers in the messages refer to that file.
/// </summary>
public static partial class EmfRules
{
    public const int MaxEventBytes = 256 * 1024;
    public const int MaxMetricsPerDirective = 100;
    public const int MaxDimensionKeys = 30;
    public const int MaxValuesPerArray = 100;

    public static readonly IReadOnlySet<string> Units = new HashSet<string>(StringComparer.Ordinal)
    {
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits",
        "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
        "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
        "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    };

    /// <summary>
    /// Every rule broken by <paramref name="line"/> (without its newline); empty when it is a valid EMF event.
    /// <paramref name="now"/> anchors the timestamp window (14 days back, 2 hours ahead, §2);
    /// <paramref name="window"/>, when given, is the tighter range the timestamp must fall in.
    /// </summary>
    public static IReadOnlyList<string> Check(string line, DateTimeOffset now, (DateTimeOffset From, DateTimeOffset To)? window = null)
    {
        ArgumentNullException.ThrowIfNull(line);
        var problems = new List<string>();
        if (Encoding.UTF8.GetByteCount(line) > MaxEventBytes)
        {
            problems.Add($"§1: the event is {Encoding.UTF8.GetByteCount(line)} bytes, more than 256 KB");
        }

        if (line.Contains('\n', StringComparison.Ordinal) || line.Contains('\r', StringComparison.Ordinal))
        {
            problems.Add("§1: the document spans more than one line");
        }

        JsonDocument document;
        try
        {
            // Parsing the whole line as one value also rejects anything before or after the object (§1).
            document = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            problems.Add($"§1: not one JSON value: {ex.Message}");
            return problems;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add("§1: not a JSON object");
                return problems;
            }

            if (!root.TryGetProperty("_aws", out var aws) || aws.ValueKind != JsonValueKind.Object)
            {
                problems.Add("§2: no _aws object");
                return problems;
            }

            CheckOnly(problems, aws, "§2: _aws", "Timestamp", "CloudWatchMetrics");
            CheckTimestamp(problems, aws, now, window);
            if (!aws.TryGetProperty("CloudWatchMetrics", out var directives) || directives.ValueKind != JsonValueKind.Array)
            {
                problems.Add("§2: CloudWatchMetrics is not an array");
                return problems;
            }

            foreach (var directive in directives.EnumerateArray())
            {
                CheckDirective(problems, root, directive);
            }
        }

        return problems;
    }

    private static void CheckTimestamp(List<string> problems, JsonElement aws, DateTimeOffset now, (DateTimeOffset From, DateTimeOffset To)? window)
    {
        if (!aws.TryGetProperty("Timestamp", out var timestamp) || timestamp.ValueKind != JsonValueKind.Number || !timestamp.TryGetInt64(out var ms))
        {
            problems.Add("§2: Timestamp is not an integer number of milliseconds");
            return;
        }

        var at = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        if (at < now.AddDays(-14) || at > now.AddHours(2))
        {
            problems.Add($"§2: Timestamp {at:O} is outside 14 days back to 2 hours ahead of {now:O}");
        }

        if (window is { } w && (at < w.From || at >= w.To))
        {
            problems.Add($"Timestamp {at:O} is outside the expected window [{w.From:O}, {w.To:O})");
        }
    }

    private static void CheckDirective(List<string> problems, JsonElement root, JsonElement directive)
    {
        if (directive.ValueKind != JsonValueKind.Object)
        {
            problems.Add("§3: a directive is not an object");
            return;
        }

        CheckOnly(problems, directive, "§2: a directive", "Namespace", "Dimensions", "Metrics");
        if (!directive.TryGetProperty("Namespace", out var ns) || ns.ValueKind != JsonValueKind.String
            || ns.GetString() is not { Length: >= 1 and <= 256 } nsText || !NamespacePattern().IsMatch(nsText))
        {
            problems.Add("§3: Namespace must be 1..256 characters matching ^[a-zA-Z0-9._#:/-]+$");
        }

        if (directive.TryGetProperty("Dimensions", out var sets) && sets.ValueKind == JsonValueKind.Array)
        {
            foreach (var set in sets.EnumerateArray())
            {
                CheckDimensionSet(problems, root, set);
            }
        }
        else
        {
            problems.Add("§3: Dimensions is not an array");
        }

        if (!directive.TryGetProperty("Metrics", out var metrics) || metrics.ValueKind != JsonValueKind.Array)
        {
            problems.Add("§3: Metrics is not an array");
            return;
        }

        if (metrics.GetArrayLength() > MaxMetricsPerDirective)
        {
            problems.Add($"§3: {metrics.GetArrayLength()} metrics in one directive, more than {MaxMetricsPerDirective}");
        }

        foreach (var metric in metrics.EnumerateArray())
        {
            CheckMetric(problems, root, metric);
        }
    }

    private static void CheckDimensionSet(List<string> problems, JsonElement root, JsonElement set)
    {
        if (set.ValueKind != JsonValueKind.Array)
        {
            problems.Add("§4: a dimension set is not an array");
            return;
        }

        if (set.GetArrayLength() > MaxDimensionKeys)
        {
            problems.Add($"§4: {set.GetArrayLength()} keys in one dimension set, more than {MaxDimensionKeys}");
        }

        foreach (var key in set.EnumerateArray())
        {
            var name = key.ValueKind == JsonValueKind.String ? key.GetString()! : null;
            if (name is not { Length: >= 1 and <= 250 } || string.IsNullOrWhiteSpace(name) || name[0] == ':' || !name.All(char.IsAscii))
            {
                problems.Add($"§4: dimension key '{name}' must be 1..250 non-blank ASCII characters not starting with ':'");
                continue;
            }

            if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
            {
                problems.Add($"§4: dimension '{name}' does not reference a string member");
            }
            else if (value.GetString() is not { Length: >= 1 and <= 1024 } text || string.IsNullOrWhiteSpace(text))
            {
                problems.Add($"§4: dimension '{name}' must be a non-blank string of at most 1024 characters");
            }
        }
    }

    private static void CheckMetric(List<string> problems, JsonElement root, JsonElement metric)
    {
        if (metric.ValueKind != JsonValueKind.Object)
        {
            problems.Add("§5: a metric definition is not an object");
            return;
        }

        CheckOnly(problems, metric, "§2: a metric definition", "Name", "Unit", "StorageResolution");
        var name = metric.TryGetProperty("Name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        if (name is not { Length: >= 1 and <= 1024 })
        {
            problems.Add("§5: metric Name must be 1..1024 characters");
            return;
        }

        if (metric.TryGetProperty("Unit", out var unit) && (unit.ValueKind != JsonValueKind.String || !Units.Contains(unit.GetString()!)))
        {
            problems.Add($"§5: metric '{name}' has unit {unit} that CloudWatch does not know");
        }

        if (metric.TryGetProperty("StorageResolution", out var resolution)
            && !(resolution.ValueKind == JsonValueKind.Number && resolution.TryGetInt32(out var r) && r is 1 or 60))
        {
            problems.Add($"§5: metric '{name}' StorageResolution must be 1 or 60");
        }

        if (!root.TryGetProperty(name, out var value))
        {
            problems.Add($"§5: metric '{name}' references no root member");
            return;
        }

        CheckValue(problems, name, value);
    }

    private static void CheckValue(List<string> problems, string name, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                break;

            case JsonValueKind.Array:
                if (value.GetArrayLength() > MaxValuesPerArray)
                {
                    problems.Add($"§6: metric '{name}' has {value.GetArrayLength()} values, more than {MaxValuesPerArray}");
                }

                if (value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
                {
                    problems.Add($"§6: metric '{name}' array holds something other than numbers");
                }

                break;

            case JsonValueKind.Object:
                CheckDistribution(problems, name, value);
                break;

            default:
                problems.Add($"§6: metric '{name}' is {value.ValueKind}, not a number, an array of numbers or a distribution");
                break;
        }
    }

    private static void CheckDistribution(List<string> problems, string name, JsonElement value)
    {
        var hasValues = value.TryGetProperty("Values", out var values);
        CheckOnly(problems, value, $"§6: metric '{name}'", hasValues ? ["Values", "Counts", "Max", "Min", "Count", "Sum"] : ["Max", "Min", "Count", "Sum"]);
        foreach (var field in new[] { "Max", "Min", "Count", "Sum" })
        {
            if (!value.TryGetProperty(field, out var member) || member.ValueKind != JsonValueKind.Number)
            {
                problems.Add($"§6: metric '{name}' has no numeric {field}");
            }
        }

        if (!hasValues)
        {
            return;
        }

        if (!value.TryGetProperty("Counts", out var counts) || values.ValueKind != JsonValueKind.Array || counts.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"§6: metric '{name}' needs Values and Counts arrays");
            return;
        }

        if (values.GetArrayLength() != counts.GetArrayLength())
        {
            problems.Add($"§6: metric '{name}' has {values.GetArrayLength()} Values but {counts.GetArrayLength()} Counts");
        }

        if (values.GetArrayLength() > MaxValuesPerArray)
        {
            problems.Add($"§6: metric '{name}' has {values.GetArrayLength()} Values, more than {MaxValuesPerArray}");
        }

        if (values.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number)
            || counts.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.Number || c.GetDouble() <= 0))
        {
            problems.Add($"§6: metric '{name}' Values must be numbers and Counts positive numbers");
            return;
        }

        var countSum = counts.EnumerateArray().Sum(c => c.GetDouble());
        if (value.TryGetProperty("Count", out var count) && count.ValueKind == JsonValueKind.Number && count.GetDouble() != countSum)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"§6: metric '{name}' Count {count.GetDouble()} differs from the sum of Counts {countSum}"));
        }

        if (value.TryGetProperty("Min", out var min) && value.TryGetProperty("Max", out var max)
            && min.ValueKind == JsonValueKind.Number && max.ValueKind == JsonValueKind.Number
            && values.EnumerateArray().Any(v => v.GetDouble() < min.GetDouble() || v.GetDouble() > max.GetDouble()))
        {
            problems.Add($"§6: metric '{name}' has Values outside [Min, Max]");
        }
    }

    /// <summary>§2: members the spec does not define must not be added.</summary>
    private static void CheckOnly(List<string> problems, JsonElement element, string what, params string[] allowed)
    {
        foreach (var member in element.EnumerateObject())
        {
            if (!allowed.Contains(member.Name, StringComparer.Ordinal))
            {
                problems.Add($"{what} has a member '{member.Name}' the spec does not define");
            }
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9._#:/-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex NamespacePattern();
}
