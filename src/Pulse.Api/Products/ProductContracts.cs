using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Pulse.Api.Http;

namespace Pulse.Api.Products;

/// <summary>The rules of a product's fields, shared by the input reader, the database mapping and the OpenAPI document.</summary>
internal static class ProductRules
{
    public const int NameMaxLength = 200;
    public const int PricePrecision = Money.Precision;
    public const int PriceScale = Money.Scale;

    public static readonly IReadOnlyList<string> Fields = ["id", "name", "price", "amount"];

    /// <summary>Reads one product from a request body; null (with errors recorded under <paramref name="prefix"/>) when invalid.</summary>
    public static ProductInput? Read(JsonElement element, InputErrors errors, string prefix = "")
    {
        if (JsonFields.Open(element, errors, prefix, "product", Fields) is not { } fields)
        {
            return null;
        }

        var id = fields.OptionalId("id");
        var name = fields.RequiredText("name", NameMaxLength);
        var price = fields.RequiredMoney("price");
        var amount = fields.RequiredInt32("amount", 0, int.MaxValue);
        return name is null || price is null || amount is null
            ? null
            : new ProductInput { Id = id, Name = name, Price = price.Value, Amount = amount.Value };
    }
}

/// <summary>
/// A product as clients send it (POST, and PUT where a body id, if any, must equal the URL's). createdAt and
/// updatedAt may be sent back and are ignored; any other field is an error.
/// </summary>
internal sealed class ProductInput
{
    /// <summary>Optional: on POST the service picks one when absent; on PUT it must equal the URL's.</summary>
    [Range(1, JsonFields.MaxId)]
    public long? Id { get; init; }

    /// <summary>1 to 200 characters, not only white space, no control characters.</summary>
    [StringLength(ProductRules.NameMaxLength, MinimumLength = 1)]
    public required string Name { get; init; }

    /// <summary>Zero or more, at most two decimal places, at most 9999999999.99.</summary>
    [Range(typeof(decimal), "0", "9999999999.99")]
    public required decimal Price { get; init; }

    /// <summary>How many are in stock: a whole number, zero or more.</summary>
    [Range(0, int.MaxValue)]
    public required int Amount { get; init; }
}

/// <summary>A product as the service returns it. Prices always have two decimal places.</summary>
internal sealed record ProductResponse(long Id, string Name, decimal Price, int Amount, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static ProductResponse From(Product product) => new(
        product.Id, product.Name, Money.Normalize(product.Price), product.Amount, product.CreatedAt.UtcDateTime, product.UpdatedAt.UtcDateTime);
}
