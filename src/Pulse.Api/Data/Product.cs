namespace Pulse.Api.Data;

/// <summary>A catalogue entry as stored.</summary>
internal sealed class Product : IVersionedEntity
{
    /// <summary>Characters the name column holds (migration 0001), and so the most a name may have.</summary>
    public const int NameMaxLength = 200;

    public long Id { get; set; }

    public required string Name { get; set; }

    public decimal Price { get; set; }

    public int Amount { get; set; }

    /// <summary>Starts at 1 and goes up by one with every update; the ETag is derived from it.</summary>
    public long Version { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
