namespace Pulse.Api.Http;

/// <summary>
/// Exact amounts of money from JSON number text: zero or more, at most two decimal places, at most
/// <see cref="Max"/> (what PostgreSQL's <c>numeric(12,2)</c> holds). The text is checked digit by digit
/// before it becomes a decimal, so that nothing is rounded on the way in: <c>0.001</c> is rejected,
/// never stored as <c>0.00</c>, and <c>1e400</c> is too large rather than an overflow.
/// </summary>
internal static class Money
{
    public const int Precision = 12;
    public const int Scale = 2;
    public const decimal Max = 9_999_999_999.99m;

    private const int MaxIntegerDigits = Precision - Scale;

    /// <summary>Parses the raw text of a JSON number (already known to be valid JSON number syntax).</summary>
    public static bool TryParse(string json, out decimal value, out string problem)
    {
        value = 0;
        problem = string.Empty;
        var text = json.AsSpan();
        var negative = text.StartsWith("-");
        if (negative)
        {
            text = text[1..];
        }

        var exponentAt = text.IndexOfAny('e', 'E');
        var exponent = 0L;
        if (exponentAt >= 0)
        {
            // Saturate: an exponent of a million digits is still just "too large" or "too many decimals".
            foreach (var c in text[(exponentAt + 1)..].TrimStart("+-"))
            {
                exponent = Math.Min(exponent * 10 + (c - '0'), 1_000_000);
            }

            if (text[exponentAt + 1] == '-')
            {
                exponent = -exponent;
            }

            text = text[..exponentAt];
        }

        var point = text.IndexOf('.');
        var integerPart = point >= 0 ? text[..point] : text;
        var fractionPart = point >= 0 ? text[(point + 1)..] : [];

        // value = digits * 10^-scale, with digits stripped of leading and trailing zeros.
        var digits = string.Concat(integerPart, fractionPart).AsSpan().TrimStart('0');
        var scale = fractionPart.Length - exponent;
        var trimmed = digits.TrimEnd('0');
        scale -= digits.Length - trimmed.Length;
        digits = trimmed;

        if (digits.IsEmpty)
        {
            value = Normalize(0m);
            return true;
        }

        if (negative)
        {
            problem = "Must be zero or more.";
            return false;
        }

        if (scale > Scale)
        {
            problem = $"Must have at most {Scale} decimal places.";
            return false;
        }

        if (digits.Length - scale > MaxIntegerDigits)
        {
            problem = $"Must be at most {Max}.";
            return false;
        }

        var mantissa = 0L;
        foreach (var c in digits)
        {
            mantissa = mantissa * 10 + (c - '0');
        }

        for (; scale < 0; scale++)
        {
            mantissa *= 10;
        }

        value = Normalize(new decimal(mantissa) / (scale == 0 ? 1m : scale == 1 ? 10m : 100m));
        return true;
    }

    /// <summary>The same amount with exactly two decimal places, so that every response writes 1.50 rather than 1.5 or 1.500.</summary>
    public static decimal Normalize(decimal value) => decimal.Round(value, Scale) + 0.00m;
}
