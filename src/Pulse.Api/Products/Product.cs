using Pulse.Api.Data;

namespace Pulse.Api.Products;

/// <summary>A catalogue entry (seed 002's product) as stored.</summary>
internal sealed class Product : IVersionedEntity
{
    public long Id { get; set; }

    public required string Name { get; set; }

    public decimal Price { get; set; }

    public int Amount { get; set; }

    /// <summary>Starts at 1 and goes up by one with every update; the ETag is derived from it.</summary>
    public long Version { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
