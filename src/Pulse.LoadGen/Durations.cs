using System.Globalization;

namespace Pulse.LoadGen;

/// <summary>Durations as people type them: <c>30s</c>, <c>2m</c>, <c>1h</c>, <c>1m30s</c>, <c>250ms</c>, <c>1.5s</c>; a bare number is seconds.</summary>
internal static class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.Trim().AsSpan();
        if (double.TryParse(span, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var bare))
        {
            value = TimeSpan.FromSeconds(bare);
            return true;
        }

        double total = 0;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }

            var letters = digits;
            while (letters < span.Length && char.IsAsciiLetter(span[letters]))
            {
                letters++;
            }

            if (digits == 0 || letters == digits
                || !double.TryParse(span[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var seconds = span[digits..letters] switch
            {
                "ms" => 0.001,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => double.NaN,
            };
            if (double.IsNaN(seconds))
            {
                return false;
            }

            total += number * seconds;
            span = span[letters..];
        }

        if (total > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(total);
        return true;
    }

    /// <summary>Short form for messages: <c>250ms</c>, <c>30s</c>, <c>2m</c>, <c>1h30m</c>.</summary>
    public static string Format(TimeSpan span)
    {
        if (span < TimeSpan.FromSeconds(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0.###}ms");
        }

        if (span.Ticks % TimeSpan.TicksPerSecond != 0 || span < TimeSpan.FromMinutes(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###}s");
        }

        var parts = string.Empty;
        if (span.Hours + (span.Days * 24) > 0)
        {
            parts += string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h");
        }

        if (span.Minutes > 0)
        {
            parts += string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m");
        }

        if (span.Seconds > 0)
        {
            parts += string.Create(CultureInfo.InvariantCulture, $"{span.Seconds}s");
        }

        return parts;
    }
}
