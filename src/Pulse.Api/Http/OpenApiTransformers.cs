using System.Reflection;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Pulse.Api.Http;

/// <summary>Adjustments to the generated OpenAPI document.</summary>
internal static class OpenApiTransformers
{
    /// <summary>
    /// Title and description, and no <c>servers</c>: the generator would list the address of whoever asked,
    /// which differs per host and would make the committed copy (docs/openapi.json) drift.
    /// </summary>
    public static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Pulse API",
            Version = "v1",
            Description = "Products and tasks (see docs/api.md). Every error is application/problem+json (RFC 9457).",
        };
        document.Servers = [];
        return Task.CompletedTask;
    }

    /// <summary>POST bodies that take one object or an array of 1 to 1000: <c>oneOf</c> both, in the request and the 201 answer.</summary>
    public static Task DescribeOneOrManyBodies(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<OneOrManyBody>().Any())
        {
            return Task.CompletedTask;
        }

        if (operation.RequestBody?.Content?.TryGetValue("application/json", out var request) == true && request.Schema is { } input)
        {
            request.Schema = OneOrMany(input);
        }

        if (operation.Responses?.TryGetValue("201", out var created) == true && created.Content is { } content)
        {
            foreach (var media in content.Values)
            {
                var single = media.Schema is { Type: JsonSchemaType.Array, Items: { } items } ? items : media.Schema;
                if (single is not null)
                {
                    media.Schema = OneOrMany(single);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Every decimal in this API is money: exact (format decimal, not double) in steps of 0.01.</summary>
    public static Task DescribeMoney(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type == typeof(decimal))
        {
            schema.Format = "decimal";
            schema.MultipleOf = 0.01m;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The rules of a body the endpoints read themselves (<see cref="IJsonInput{TSelf}"/>), from its fields:
    /// which are required, and each one's bounds. The rules are stated once, on the fields.
    /// </summary>
    public static Task DescribeInputFields(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (!type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IJsonInput<>))
            || type.GetProperty(nameof(IJsonInput<>.Fields), BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is not IReadOnlyList<InputField> fields)
        {
            return Task.CompletedTask;
        }

        schema.Required = fields.Where(f => f.Required).Select(f => f.Name).ToHashSet();
        foreach (var field in fields)
        {
            if (schema.Properties is { } properties && properties.TryGetValue(field.Name, out var value) && value is OpenApiSchema property)
            {
                field.Describe(property);
            }
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema OneOrMany(IOpenApiSchema single) => new()
    {
        OneOf =
        [
            single,
            new OpenApiSchema { Type = JsonSchemaType.Array, Items = single, MinItems = 1, MaxItems = RequestInputs.MaxBatch },
        ],
    };
}
