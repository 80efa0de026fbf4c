using System.Text.Json;

namespace Pulse.Infra.Tests.Support;

/// <summary>Reading CloudFormation values in synthesized templates.</summary>
internal static class Cfn
{
    /// <summary>
    /// A value as text: <c>Fn::Join</c> is joined, and every other intrinsic becomes a symbolic placeholder
    /// (<c>${Ref:Id}</c>, <c>${Id.Attr}</c>, <c>${Import:Name}</c>), so a dashboard body or a parameter with
    /// tokens in it reads (and parses) as the text CloudFormation will produce.
    /// </summary>
    public static string Flatten(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString()!;
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                return value.GetRawText();
            case JsonValueKind.Object when value.TryGetProperty("Fn::Join", out var join):
                var separator = join[0].GetString()!;
                return string.Join(separator, join[1].EnumerateArray().Select(Flatten));
            case JsonValueKind.Object when value.TryGetProperty("Ref", out var reference):
                return $"${{Ref:{reference.GetString()}}}";
            case JsonValueKind.Object when value.TryGetProperty("Fn::GetAtt", out var attribute):
                return $"${{{attribute[0].GetString()}.{attribute[1].GetString()}}}";
            case JsonValueKind.Object when value.TryGetProperty("Fn::ImportValue", out var import):
                return $"${{Import:{Flatten(import)}}}";
            case JsonValueKind.Object:
                // Other intrinsics as ${Fn::Name:arguments}: no quotes or line breaks, so the text stays valid
                // inside a JSON string such as a dashboard body.
                var intrinsic = value.EnumerateObject().Single();
                return $"${{{intrinsic.Name}:{Flatten(intrinsic.Value)}}}";
            case JsonValueKind.Array:
                return string.Join(',', value.EnumerateArray().Select(Flatten));
            default:
                return value.GetRawText();
        }
    }

    /// <summary>The logical id a <c>Ref</c> or <c>Fn::GetAtt</c> points at, or null.</summary>
    public static string? ReferencedId(JsonElement value) =>
        value.ValueKind != JsonValueKind.Object ? null
        : value.TryGetProperty("Ref", out var reference) ? reference.GetString()
        : value.TryGetProperty("Fn::GetAtt", out var attribute) ? attribute[0].GetString()
        : null;

    /// <summary>Property <paramref name="name"/> of a resource's Properties, or an undefined element.</summary>
    public static JsonElement Prop(this JsonElement resource, string name) =>
        resource.GetProperty("Properties").TryGetProperty(name, out var value) ? value : default;

    /// <summary>The strings of a JSON array (flattened when they are intrinsics).</summary>
    public static List<string> Strings(this JsonElement array) =>
        array.ValueKind == JsonValueKind.Array ? array.EnumerateArray().Select(Flatten).ToList() : [];

    /// <summary>A container definition's name/value list (Environment) as a dictionary.</summary>
    public static Dictionary<string, string> NameValues(this JsonElement array, string valueKey = "Value") =>
        array.EnumerateArray().ToDictionary(e => e.GetProperty("Name").GetString()!, e => Flatten(e.GetProperty(valueKey)));
}
