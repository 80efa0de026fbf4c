using System.Text;
using System.Text.RegularExpressions;

namespace Pulse.Slo;

/// <summary>
/// Writes the YAML the generator emits, line by line, so the files read like hand-written ones (comments,
/// folded PromQL) and pass yamllint with the repository's settings (.yamllint.yml: at most 130 characters a line).
/// </summary>
internal sealed partial class YamlText
{
    /// <summary>Lines longer than this are folded; well under yamllint's 130 with room for indentation.</summary>
    public const int Width = 110;

    private readonly StringBuilder _text = new();

    public void Line(string line = "") => _text.Append(line.TrimEnd()).Append('\n');

    public void Comment(int indent, string text)
    {
        foreach (var line in Wrap(text, Width - indent - 2))
        {
            Line(new string(' ', indent) + "# " + line);
        }
    }

    /// <summary><c>key: value</c>, the value plain when YAML reads it back unchanged, single-quoted otherwise.</summary>
    public void Scalar(int indent, string key, string value) => Line($"{new string(' ', indent)}{key}: {Quote(value)}");

    /// <summary>
    /// <c>key: value</c> for one short line, otherwise a folded block (<c>&gt;-</c>) of the given lines: YAML
    /// joins them with spaces, which PromQL and prose both read the same.
    /// </summary>
    public void Folded(int indent, string key, IReadOnlyList<string> lines)
    {
        var pad = new string(' ', indent);
        if (lines.Count == 1 && indent + key.Length + 2 + lines[0].Length <= Width && Quote(lines[0]) == lines[0])
        {
            Line($"{pad}{key}: {lines[0]}");
            return;
        }

        // The block's lines sit deeper than the key; a key that opens a sequence item ("- name") is 2 further in.
        var inner = new string(' ', indent + 2 + (key.StartsWith("- ", StringComparison.Ordinal) ? 2 : 0));
        Line($"{pad}{key}: >-");
        foreach (var line in lines)
        {
            Line(inner + line);
        }
    }

    /// <summary>Prose as a folded block, wrapped at <see cref="Width"/>.</summary>
    public void Prose(int indent, string key, string text) => Folded(indent, key, Wrap(text, Width - indent - 4));

    /// <summary>
    /// PromQL as a folded block, each given line broken after a comma (outside quotes) when it would pass
    /// <see cref="Width"/>: YAML joins the pieces with a space, which PromQL allows after any comma.
    /// </summary>
    public void PromQl(int indent, string key, IReadOnlyList<string> lines) =>
        Folded(indent, key, [.. lines.SelectMany(line => BreakAtCommas(line, Width - indent - 4))]);

    /// <summary>Splits after commas outside double quotes so that each piece fits <paramref name="width"/> where it can.</summary>
    public static IEnumerable<string> BreakAtCommas(string line, int width)
    {
        var lead = line.Length - line.TrimStart().Length;
        while (line.Length > width)
        {
            var cut = -1;
            var quoted = false;
            for (var i = 0; i < line.Length && (i < width || cut < 0); i++)
            {
                if (line[i] == '"' && (i == 0 || line[i - 1] != '\\'))
                {
                    quoted = !quoted;
                }
                else if (line[i] == ',' && !quoted && i > lead)
                {
                    cut = i + 1;
                }
            }

            if (cut < 0 || cut >= line.Length)
            {
                break;
            }

            yield return line[..cut];
            line = line[..lead] + line[cut..].TrimStart();
        }

        yield return line;
    }

    public override string ToString() => _text.ToString();

    public static string Quote(string value) =>
        PlainRegex().IsMatch(value) && !value.Contains(": ", StringComparison.Ordinal) && !value.Contains(" #", StringComparison.Ordinal)
            && value.Trim() == value && !ReservedRegex().IsMatch(value)
            ? value
            : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static IReadOnlyList<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var current = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.Length > 0 && current.Length + 1 + word.Length > width)
            {
                lines.Add(current.ToString());
                current.Clear();
            }

            current.Append(current.Length > 0 ? " " : string.Empty).Append(word);
        }

        if (current.Length > 0)
        {
            lines.Add(current.ToString());
        }

        return lines;
    }

    // Starts with a letter, digit, '/' or '(' and holds nothing YAML could read as structure or a tag.
    [GeneratedRegex(@"^[A-Za-z0-9/(][^'""\[\]{}&*!|>%@`,]*$")]
    private static partial Regex PlainRegex();

    // Plain scalars YAML 1.1 readers turn into booleans, nulls or numbers.
    [GeneratedRegex(@"^(?:[0-9.+-]+(?:e[0-9+-]+)?|true|false|yes|no|on|off|null|~)$", RegexOptions.IgnoreCase)]
    private static partial Regex ReservedRegex();
}
