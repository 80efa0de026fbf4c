using System.Text.Json;

namespace Pulse.Infra.Tests.Support;

/// <summary>
/// Matches an event against an EventBridge event pattern as the template holds it, for the forms this app
/// uses: nested objects, arrays of allowed values (any may match) and <c>$or</c>
/// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html). Allowed values that are
/// CloudFormation intrinsics compare as their <see cref="Cfn.Flatten"/> placeholder, so a sample event names
/// this stack's cluster as <c>${ClusterLogicalId.Arn}</c>. Content filters throw: they are not expected here.
/// </summary>
internal static class EventPattern
{
    public static bool Matches(JsonElement pattern, string eventJson)
    {
        using var document = JsonDocument.Parse(eventJson);
        return Matches(pattern, document.RootElement);
    }

    private static bool Matches(JsonElement pattern, JsonElement e)
    {
        foreach (var field in pattern.EnumerateObject())
        {
            if (field.Name == "$or")
            {
                if (!field.Value.EnumerateArray().Any(alternative => Matches(alternative, e)))
                {
                    return false;
                }

                continue;
            }

            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(field.Name, out var actual))
            {
                return false;
            }

            var ok = field.Value.ValueKind switch
            {
                JsonValueKind.Object => Matches(field.Value, actual),
                JsonValueKind.Array => field.Value.EnumerateArray().Any(allowed => Allows(allowed, actual)),
                _ => throw new FormatException($"Pattern field {field.Name} must be an object or an array."),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Allows(JsonElement allowed, JsonElement actual)
    {
        if (allowed.ValueKind == JsonValueKind.Object && !allowed.EnumerateObject().Any(p => p.Name.StartsWith("Fn::", StringComparison.Ordinal) || p.Name == "Ref"))
        {
            throw new FormatException($"Content filter {allowed.GetRawText()} is not supported by this matcher.");
        }

        if (actual.ValueKind == JsonValueKind.Array)
        {
            return actual.EnumerateArray().Any(a => Allows(allowed, a));
        }

        return actual.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False
            && Cfn.Flatten(allowed) == Cfn.Flatten(actual);
    }
}
