using System.Text;

namespace Pulse.Telemetry.Formats.Prometheus;

/// <summary>
/// Turns OpenTelemetry instrument names, units and attribute keys into Prometheus names, following the
/// OpenTelemetry specification "Prometheus and OpenMetrics Compatibility"
/// (https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/): invalid characters
/// become '_', the unit becomes a suffix unless already present, monotonic sums end in <c>_total</c>.
/// </summary>
internal static class PrometheusNaming
{
    private static readonly Dictionary<string, string> UnitWords = new(StringComparer.Ordinal)
    {
        ["d"] = "days",
        ["h"] = "hours",
        ["min"] = "minutes",
        ["s"] = "seconds",
        ["ms"] = "milliseconds",
        ["us"] = "microseconds",
        ["ns"] = "nanoseconds",
        ["By"] = "bytes",
        ["KiBy"] = "kibibytes",
        ["MiBy"] = "mebibytes",
        ["GiBy"] = "gibibytes",
        ["KBy"] = "kilobytes",
        ["MBy"] = "megabytes",
        ["GBy"] = "gigabytes",
        ["Hz"] = "hertz",
        ["%"] = "percent",
    };

    /// <summary>The suffix word for a UCUM unit, or empty when the unit adds none (<c>1</c>, <c>{request}</c>).</summary>
    public static string UnitSuffix(string? unit)
    {
        if (string.IsNullOrEmpty(unit))
        {
            return string.Empty;
        }

        // Annotations in curly braces carry no unit (UCUM §2.1).
        var braces = unit.IndexOf('{', StringComparison.Ordinal);
        if (braces >= 0)
        {
            unit = unit[..braces];
        }

        if (unit.Length == 0 || unit == "1")
        {
            return string.Empty;
        }

        var slash = unit.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var per = unit[(slash + 1)..] switch
            {
                "s" => "second",
                "m" => "minute",
                "h" => "hour",
                "d" => "day",
                var other => SanitizeName(other),
            };
            return $"{UnitWord(unit[..slash])}_per_{per}";
        }

        return UnitWord(unit);
    }

    /// <summary>The Prometheus metric name for an instrument (or view) name.</summary>
    /// <param name="name">Instrument or view name.</param>
    /// <param name="unit">UCUM unit of the instrument.</param>
    /// <param name="isCounter">Whether the family is a counter, whose samples end in <c>_total</c>.</param>
    public static string MetricName(string name, string? unit, bool isCounter)
    {
        var result = SanitizeName(name);
        if (isCounter && result.EndsWith("_total", StringComparison.Ordinal))
        {
            result = result[..^"_total".Length];
        }

        // The unit is added unless the name already carries it as a token (bytes_written, seconds_total),
        // as the OpenTelemetry collector's Prometheus translator does.
        var suffix = UnitSuffix(unit);
        if (suffix.Length > 0 && !$"_{result}_".Contains($"_{suffix}_", StringComparison.Ordinal))
        {
            result = $"{result}_{suffix}";
        }

        return isCounter ? result + "_total" : result;
    }

    /// <summary>
    /// The Prometheus label name for an attribute key: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>. Collapsing repeated
    /// underscores also keeps it out of the reserved <c>__</c> prefix.
    /// </summary>
    public static string LabelName(string key) => Sanitize(key, allowColon: false);

    /// <summary>A valid metric name: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>, repeated underscores collapsed.</summary>
    public static string SanitizeName(string name) => Sanitize(name, allowColon: true);

    private static string UnitWord(string unit) => UnitWords.TryGetValue(unit, out var word) ? word : SanitizeName(unit);

    private static string Sanitize(string text, bool allowColon)
    {
        var builder = new StringBuilder(text.Length + 1);
        foreach (var c in text)
        {
            var valid = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            var next = valid ? c : '_';
            if (next == '_' && builder.Length > 0 && builder[^1] == '_')
            {
                continue;
            }

            builder.Append(next);
        }

        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }
}
