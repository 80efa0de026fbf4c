using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pulse.Infra.Tests.Support;

/// <summary>
/// Evaluates the JSON form of a CloudWatch Logs filter pattern against a log event, for the subset this
/// app generates: <c>{ ($.a.b = "x") || ($.c != 1) &amp;&amp; ... }</c> with selectors, <c>=</c> and
/// <c>!=</c>, quoted or bare values, <c>*</c> wildcards in strings, parentheses, <c>&amp;&amp;</c> binding
/// tighter than <c>||</c>
/// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html#matching-terms-json-log-events).
/// Anything else throws, so an unexpected pattern cannot pass by accident.
/// </summary>
internal sealed partial class LogFilterPattern
{
    private readonly List<string> tokens;
    private int position;

    private LogFilterPattern(string pattern)
    {
        var trimmed = pattern.Trim();
        if (!trimmed.StartsWith('{') || !trimmed.EndsWith('}'))
        {
            throw new FormatException($"Not a JSON filter pattern: {pattern}");
        }

        tokens = Token().Matches(trimmed[1..^1]).Select(m => m.Value).ToList();
    }

    /// <summary>True when the event (JSON text) matches the pattern.</summary>
    public static bool Matches(string pattern, string logEvent)
    {
        using var document = JsonDocument.Parse(logEvent);
        var parser = new LogFilterPattern(pattern);
        var result = parser.Or(document.RootElement);
        return parser.position == parser.tokens.Count ? result : throw new FormatException($"Unexpected '{parser.tokens[parser.position]}' in {pattern}");
    }

    private bool Or(JsonElement e)
    {
        var value = And(e);
        while (Peek() == "||")
        {
            position++;
            value |= And(e);
        }

        return value;
    }

    private bool And(JsonElement e)
    {
        var value = Term(e);
        while (Peek() == "&&")
        {
            position++;
            value &= Term(e);
        }

        return value;
    }

    private bool Term(JsonElement e)
    {
        if (Peek() == "(")
        {
            position++;
            var inner = Or(e);
            Expect(")");
            return inner;
        }

        var selector = Next();
        var op = Next();
        var expected = Next();
        if (!selector.StartsWith("$.", StringComparison.Ordinal) || op is not ("=" or "!="))
        {
            throw new FormatException($"Unsupported comparison {selector} {op} {expected}");
        }

        var actual = Select(e, selector[2..]);
        var equal = actual is not null && Equal(actual.Value, expected);
        return op == "=" ? equal : !equal;
    }

    private static JsonElement? Select(JsonElement e, string path)
    {
        var current = e;
        foreach (var part in path.Split('.'))
        {
            var name = part;
            int? index = null;
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0)
            {
                name = part[..bracket];
                index = int.Parse(part[(bracket + 1)..^1], CultureInfo.InvariantCulture);
            }

            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return null;
            }

            if (index is { } i)
            {
                if (current.ValueKind != JsonValueKind.Array || current.GetArrayLength() <= i)
                {
                    return null;
                }

                current = current[i];
            }
        }

        return current;
    }

    private static bool Equal(JsonElement actual, string expected)
    {
        if (expected.StartsWith('"'))
        {
            var text = expected[1..^1];
            return actual.ValueKind == JsonValueKind.String
                && Regex.IsMatch(actual.GetString()!, "^" + string.Join(".*", text.Split('*').Select(Regex.Escape)) + "$", RegexOptions.None, TimeSpan.FromSeconds(1));
        }

        return actual.ValueKind switch
        {
            JsonValueKind.Number => double.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && actual.GetDouble() == n,
            JsonValueKind.String => actual.GetString() == expected,
            JsonValueKind.True => expected == "true",
            JsonValueKind.False => expected == "false",
            JsonValueKind.Null => expected == "NULL",
            _ => false,
        };
    }

    private string? Peek() => position < tokens.Count ? tokens[position] : null;

    private string Next() => position < tokens.Count ? tokens[position++] : throw new FormatException("Pattern ends early.");

    private void Expect(string token)
    {
        if (Next() != token)
        {
            throw new FormatException($"Expected '{token}'.");
        }
    }

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|\|\||&&|!=|=|\(|\)|[^\s()=!&|""]+")]
    private static partial Regex Token();
}
