namespace Pulse.Api.Data;

/// <summary>What products and tasks share: a long id, a version for optimistic concurrency, and timestamps.</summary>
internal interface IVersionedEntity
{
    long Id { get; set; }

    long Version { get; set; }

    DateTimeOffset CreatedAt { get; set; }

    DateTimeOffset UpdatedAt { get; set; }
}
