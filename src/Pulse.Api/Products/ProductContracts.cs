using Pulse.Api.Data;
using Pulse.Api.Http;

namespace Pulse.Api.Products;

/// <summary>
/// A product as clients send it (POST, and PUT where a body id, if any, must equal the URL's). createdAt and
/// updatedAt may be sent back and are ignored; any other field is an error.
/// </summary>
internal sealed class ProductInput : IJsonInput<ProductInput>
{
    private static readonly TextField NameField = new("name", Product.NameMaxLength);
    private static readonly MoneyField PriceField = new("price");
    private static readonly WholeNumberField AmountField = new("amount", 0, int.MaxValue);

    public static string What => "product";

    public static IReadOnlyList<InputField> Fields { get; } = [InputField.Id, NameField, PriceField, AmountField];

    /// <summary>Optional: on POST the service picks one when absent; on PUT it must equal the URL's.</summary>
    public long? Id { get; init; }

    /// <summary>1 to 200 characters, not only white space, no control characters.</summary>
    public required string Name { get; init; }

    /// <summary>Zero or more, at most two decimal places, at most 9999999999.99.</summary>
    public required decimal Price { get; init; }

    /// <summary>How many are in stock: a whole number, zero or more.</summary>
    public required int Amount { get; init; }

    public static ProductInput? Read(JsonFields fields)
    {
        var id = fields.WholeNumber(InputField.Id);
        var name = fields.Text(NameField);
        var price = fields.Money(PriceField);
        var amount = fields.WholeNumber(AmountField);
        return name is null || price is null || amount is null
            ? null
            : new ProductInput { Id = id, Name = name, Price = price.Value, Amount = (int)amount.Value };
    }
}

/// <summary>A product as the service returns it. Prices always have two decimal places.</summary>
internal sealed record ProductResponse(long Id, string Name, decimal Price, int Amount, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static ProductResponse From(Product product) => new(
        product.Id, product.Name, Money.Normalize(product.Price), product.Amount, product.CreatedAt.UtcDateTime, product.UpdatedAt.UtcDateTime);
}
