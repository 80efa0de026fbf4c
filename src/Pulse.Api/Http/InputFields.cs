using System.Globalization;
using Microsoft.OpenApi;

namespace Pulse.Api.Http;

/// <summary>
/// A JSON request body that the endpoints read field by field (<see cref="JsonFields"/>), so that every
/// problem in it is reported by field and by batch index, rather than deserialized. Its
/// <see cref="Fields"/> are the one statement of its rules: the reader enforces them and the OpenAPI
/// document is derived from them (<see cref="OpenApiTransformers.DescribeInputFields"/>).
/// </summary>
internal interface IJsonInput<TSelf>
    where TSelf : class, IJsonInput<TSelf>
{
    /// <summary>What one is called in messages (<c>product</c>).</summary>
    static abstract string What { get; }

    /// <summary>The fields a body may hold, each with its rule.</summary>
    static abstract IReadOnlyList<InputField> Fields { get; }

    /// <summary>The id the client chose, if any.</summary>
    long? Id { get; }

    /// <summary>Reads one from <paramref name="fields"/>; null when a field is invalid (the errors are recorded).</summary>
    static abstract TSelf? Read(JsonFields fields);
}

/// <summary>A field of a JSON body and its rule: whether it is required, and what values it takes.</summary>
internal abstract record InputField(string Name, bool Required)
{
    /// <summary>The optional id a client may choose: 1 to <see cref="JsonFields.MaxId"/>.</summary>
    public static readonly WholeNumberField Id = new("id", 1, JsonFields.MaxId, Required: false);

    /// <summary>Writes the rule's bounds into the field's OpenAPI schema.</summary>
    public virtual void Describe(OpenApiSchema schema)
    {
    }
}

/// <summary>A whole number from <paramref name="Min"/> to <paramref name="Max"/>.</summary>
internal sealed record WholeNumberField(string Name, long Min, long Max, bool Required = true) : InputField(Name, Required)
{
    public override void Describe(OpenApiSchema schema)
    {
        schema.Minimum = Min.ToString(CultureInfo.InvariantCulture);
        schema.Maximum = Max.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Text of at most <paramref name="MaxLength"/> characters (<see cref="TextRules"/>); when required, not empty
/// and not only white space. Line breaks and tabs only when <paramref name="Multiline"/>.
/// </summary>
internal sealed record TextField(string Name, int MaxLength, bool Required = true, bool Multiline = false) : InputField(Name, Required)
{
    public override void Describe(OpenApiSchema schema)
    {
        schema.MinLength = Required ? 1 : 0;
        schema.MaxLength = MaxLength;
    }
}

/// <summary>An exact amount of money (<see cref="Money"/>): zero to <see cref="Money.Max"/>, at most two decimal places.</summary>
internal sealed record MoneyField(string Name, bool Required = true) : InputField(Name, Required)
{
    public override void Describe(OpenApiSchema schema)
    {
        schema.Minimum = "0";
        schema.Maximum = Money.Max.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>A calendar date written <c>YYYY-MM-DD</c>.</summary>
internal sealed record DateField(string Name, bool Required = false) : InputField(Name, Required);

/// <summary>One of <paramref name="Choices"/>, spelled exactly (its OpenAPI enum comes from the C# enum it maps to).</summary>
internal sealed record ChoiceField(string Name, IReadOnlyList<string> Choices, bool Required = false) : InputField(Name, Required);
