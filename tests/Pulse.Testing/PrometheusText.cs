using System.Globalization;
using System.Text;

namespace Pulse.Testing;

/// <summary>
/// A small reader of the Prometheus text format, for tests that compare sample values before and after
/// some traffic. It reads sample lines only (comments are skipped) and unescapes label values.
/// </summary>
public static class PrometheusText
{
    public static IReadOnlyList<Sample> Parse(string exposition)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        var samples = new List<Sample>();
        foreach (var rawLine in exposition.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            samples.Add(ParseLine(line));
        }

        return samples;
    }

    /// <summary>Sum of the values of every sample named <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public static double Sum(IEnumerable<Sample> samples, string name, params (string Name, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Sum(s => s.Value);

    private static Sample ParseLine(string line)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var brace = line.IndexOf('{', StringComparison.Ordinal);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        string name;
        int valueStart;
        if (brace >= 0 && brace < space)
        {
            name = line[..brace];
            var i = brace + 1;
            while (line[i] != '}')
            {
                var equals = line.IndexOf('=', i);
                var labelName = line[i..equals];
                i = equals + 2; // skip ="
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch { 'n' => '\n', var c => c });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }

                    i++;
                }

                labels[labelName] = value.ToString();
                i++; // closing quote
                if (line[i] == ',')
                {
                    i++;
                }
            }

            valueStart = i + 2;
        }
        else
        {
            name = line[..space];
            valueStart = space + 1;
        }

        var valueText = line[valueStart..].Split(' ')[0];
        var parsed = valueText switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, parsed);
    }
}

/// <summary>One sample line.</summary>
public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
