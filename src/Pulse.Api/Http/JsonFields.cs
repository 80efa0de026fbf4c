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
    public static JsonFields? Open(JsonElement element, InputErrors errors, string prefix, string what, IReadOnlyList<InputField> fields)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(prefix.Length == 0 ? InputErrors.Body : prefix, $"Expected a {what} object but found {Describe(element.ValueKind)}.");
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!fields.Any(f => property.NameEquals(f.Name)) && !ReadOnlyFields.Any(f => property.NameEquals(f)))
            {
                var name = NameOf(property);
                errors.Add(Key(prefix, name), $"'{name}' is not a field of a {what}; the fields are {string.Join(", ", fields.Select(f => f.Name))} (names are case-sensitive).");
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

    /// <summary>A whole number within the field's bounds; null when absent (an error if required) or invalid.</summary>
    public long? WholeNumber(WholeNumberField field)
    {
        if (!TryGetNumber(field, out var value))
        {
            return null;
        }

        if (value.TryGetInt64(out var number) && number >= field.Min && number <= field.Max)
        {
            return number;
        }

        Error(field.Name, $"Must be a whole number from {field.Min} to {field.Max}.");
        return null;
    }

    /// <summary>Text by the field's rule; null when absent (an error if required) or invalid.</summary>
    public string? Text(TextField field)
    {
        if (!TryGetPresent(field, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Error(field.Name, $"Must be a string, not {Describe(value.ValueKind)}.");
            return null;
        }

        if (!TryGetString(value, out var text))
        {
            Error(field.Name, "Must be valid Unicode text (it contains an unpaired surrogate or invalid UTF-8).");
            return null;
        }

        if (TextRules.Check(text, field.MaxLength, field.Multiline) is { } problem)
        {
            Error(field.Name, problem);
            return null;
        }

        if (field.Required && string.IsNullOrWhiteSpace(text))
        {
            Error(field.Name, text.Length == 0 ? "Must not be empty." : "Must not be only white space.");
            return null;
        }

        return text;
    }

    /// <summary>An amount of money (see <see cref="Money.TryParse"/>); null when absent (an error if required) or invalid.</summary>
    public decimal? Money(MoneyField field)
    {
        if (!TryGetNumber(field, out var value))
        {
            return null;
        }

        if (Http.Money.TryParse(value.GetRawText(), out var amount, out var problem))
        {
            return amount;
        }

        Error(field.Name, problem);
        return null;
    }

    /// <summary>A calendar date written <c>YYYY-MM-DD</c>; null when absent (an error if required) or invalid.</summary>
    public DateOnly? Date(DateField field)
    {
        if (!TryGetPresent(field, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String
            && TryGetString(value, out var text)
            && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        Error(field.Name, "Must be a date written YYYY-MM-DD, such as 2025-01-31.");
        return null;
    }

    /// <summary>One of the field's choices; null when absent (an error if required) or invalid.</summary>
    public string? Choice(ChoiceField field)
    {
        if (!TryGetPresent(field, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && TryGetString(value, out var text) && field.Choices.Contains(text, StringComparer.Ordinal))
        {
            return text;
        }

        Error(field.Name, $"Must be one of {string.Join(", ", field.Choices.Select(c => $"\"{c}\""))}.");
        return null;
    }

    /// <summary>The field's value when present and not null; otherwise false, with "Is required." recorded for a required field.</summary>
    private bool TryGetPresent(InputField field, out JsonElement value)
    {
        if (_object.TryGetProperty(field.Name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        if (field.Required)
        {
            Error(field.Name, "Is required.");
        }

        return false;
    }

    /// <summary>The field's value when it is a number; otherwise false, with the error recorded.</summary>
    private bool TryGetNumber(InputField field, out JsonElement value)
    {
        if (!TryGetPresent(field, out value))
        {
            return false;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            Error(field.Name, $"Must be a number, not {Describe(value.ValueKind)}.");
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
