using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pulse.Api.Http;

/// <summary>
/// Reads the fields of one JSON object with the service's rules, turning every problem into an error on
/// that field (prefixed with the item's index in a batch) instead of an exception. Unknown fields are
/// errors, so that a typo such as <c>"prize"</c> is reported rather than silently ignored; the read-only
/// fields of a response (<c>createdAt</c>, <c>updatedAt</c>) are accepted and ignored, so that a client may
/// send back what it got.
/// </summary>
internal sealed class JsonFields
{
    /// <summary>Largest id a client may choose: the largest integer a JSON number holds exactly in every client (2^53 - 1).</summary>
    public const long MaxId = 9_007_199_254_740_991;

    private static readonly string[] ReadOnlyFields = ["createdAt", "updatedAt"];

    private readonly JsonElement _object;
    private readonly InputErrors _errors;
    private readonly string _prefix;

    private JsonFields(JsonElement @object, InputErrors errors, string prefix)
    {
        _object = @object;
        _errors = errors;
        _prefix = prefix;
    }

    /// <summary>
    /// Starts reading <paramref name="element"/>, which must be an object with only <paramref name="fields"/>;
    /// null (after recording an error) when it is not an object. Errors are keyed <c>field</c>, or
    /// <c>{prefix}.field</c> when a prefix such as <c>[3]</c> is given.
    /// </summary>
    public static JsonFields? Open(JsonElement element, InputErrors errors, string prefix, string what, IReadOnlyList<string> fields)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(prefix.Length == 0 ? InputErrors.Body : prefix, $"Expected a {what} object but found {Describe(element.ValueKind)}.");
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!fields.Any(f => property.NameEquals(f)) && !ReadOnlyFields.Any(f => property.NameEquals(f)))
            {
                var name = NameOf(property);
                errors.Add(Key(prefix, name), $"'{name}' is not a field of a {what}; the fields are {string.Join(", ", fields)} (names are case-sensitive).");
            }
        }

        return new JsonFields(element, errors, prefix);
    }

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>An optional id chosen by the client: absent or null means the service picks one.</summary>
    public long? OptionalId(string field)
    {
        if (!TryGet(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var id) && id is >= 1 and <= MaxId)
        {
            return id;
        }

        Error(field, value.ValueKind == JsonValueKind.Number
            ? $"Must be a whole number from 1 to {MaxId}."
            : $"Must be a number, not {Describe(value.ValueKind)}.");
        return null;
    }

    /// <summary>A required string of 1 to <paramref name="maxLength"/> characters that is not only white space.</summary>
    public string? RequiredText(string field, int maxLength, bool multiline = false)
    {
        if (!TryGet(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            Error(field, "Is required.");
            return null;
        }

        var text = ReadText(field, value, maxLength, multiline);
        if (text is not null && string.IsNullOrWhiteSpace(text))
        {
            Error(field, text.Length == 0 ? "Must not be empty." : "Must not be only white space.");
            return null;
        }

        return text;
    }

    /// <summary>An optional string of at most <paramref name="maxLength"/> characters; absent or null is null.</summary>
    public string? OptionalText(string field, int maxLength, bool multiline = false) =>
        TryGet(field, out var value) && value.ValueKind != JsonValueKind.Null ? ReadText(field, value, maxLength, multiline) : null;

    /// <summary>A required whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public int? RequiredInt32(string field, int min, int max)
    {
        if (!TryGetRequiredNumber(field, out var value))
        {
            return null;
        }

        if (value.TryGetInt32(out var number) && number >= min && number <= max)
        {
            return number;
        }

        Error(field, $"Must be a whole number from {min} to {max}.");
        return null;
    }

    /// <summary>A required amount of money: see <see cref="Money.TryParse"/>.</summary>
    public decimal? RequiredMoney(string field)
    {
        if (!TryGetRequiredNumber(field, out var value))
        {
            return null;
        }

        if (Money.TryParse(value.GetRawText(), out var amount, out var problem))
        {
            return amount;
        }

        Error(field, problem);
        return null;
    }

    /// <summary>An optional calendar date written <c>YYYY-MM-DD</c>; absent or null is null.</summary>
    public DateOnly? OptionalDate(string field)
    {
        if (!TryGet(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String
            && TryGetString(value, out var text)
            && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        Error(field, "Must be a date written YYYY-MM-DD, such as 2025-01-31.");
        return null;
    }

    /// <summary>An optional string from a fixed list; absent or null is null.</summary>
    public string? OptionalChoice(string field, IReadOnlyList<string> choices)
    {
        if (!TryGet(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && TryGetString(value, out var text) && choices.Contains(text, StringComparer.Ordinal))
        {
            return text;
        }

        Error(field, $"Must be one of {string.Join(", ", choices.Select(c => $"\"{c}\""))}.");
        return null;
    }

    private string? ReadText(string field, JsonElement value, int maxLength, bool multiline)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            Error(field, $"Must be a string, not {Describe(value.ValueKind)}.");
            return null;
        }

        if (!TryGetString(value, out var text))
        {
            Error(field, "Must be valid Unicode text (it contains an unpaired surrogate or invalid UTF-8).");
            return null;
        }

        if (TextRules.Check(text, maxLength, multiline) is { } problem)
        {
            Error(field, problem);
            return null;
        }

        return text;
    }

    private bool TryGet(string field, out JsonElement value) => _object.TryGetProperty(field, out value);

    /// <summary>A required field's value when it is a number; otherwise false, with the error recorded.</summary>
    private bool TryGetRequiredNumber(string field, out JsonElement value)
    {
        if (!TryGet(field, out value) || value.ValueKind == JsonValueKind.Null)
        {
            Error(field, "Is required.");
            return false;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            Error(field, $"Must be a number, not {Describe(value.ValueKind)}.");
            return false;
        }

        return true;
    }

    private void Error(string field, string message) => _errors.Add(Key(_prefix, field), message);

    private static string Key(string prefix, string field) => prefix.Length == 0 ? field : $"{prefix}.{field}";

    private static bool TryGetString(JsonElement value, out string text)
    {
        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            // Escaped lone surrogates ("\ud800") and invalid UTF-8 parse, but cannot become a .NET string.
            text = string.Empty;
            return false;
        }
    }

    private static string NameOf(JsonProperty property)
    {
        try
        {
            var name = property.Name;
            return name.Length <= 64 ? name : string.Concat(name.AsSpan(0, 64), "...");
        }
        catch (InvalidOperationException)
        {
            return "(a name that is not valid Unicode)";
        }
    }
}

/// <summary>Rules for free text: a length in characters (Unicode scalar values, as PostgreSQL counts them) and no control characters.</summary>
internal static class TextRules
{
    /// <summary>Null when <paramref name="text"/> is acceptable, otherwise what is wrong with it.</summary>
    public static string? Check(string text, int maxLength, bool multiline)
    {
        var length = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            length++;
            if (Rune.IsControl(rune) && !(multiline && rune.Value is '\n' or '\r' or '\t'))
            {
                return multiline
                    ? $"Must not contain control characters other than line breaks and tabs (found U+{rune.Value:X4})."
                    : $"Must not contain control characters such as line breaks (found U+{rune.Value:X4}).";
            }
        }

        return length > maxLength ? $"Must be at most {maxLength} characters long (was {length})." : null;
    }
}
