using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace Pulse.Api.Data;

/// <summary>
/// Writes shared by products and tasks: atomic inserts that honour client-chosen ids, and updates and
/// deletes that are conditional on the version a client last saw (no lost updates).
/// </summary>
internal static class VersionedStore
{
    private const int InsertAttempts = 3;

    /// <summary>
    /// Inserts every item atomically. Returns the client-chosen ids that already exist (nothing is written
    /// then), or an empty list when every item was inserted; generated ids are set on the items. Items with
    /// chosen ids go in first and the identity is moved past them before any id is generated, so a batch that
    /// chooses the very ids the identity would hand out next never collides with itself.
    /// </summary>
    public static async Task<IReadOnlyList<long>> InsertAllAsync<T>(PulseDbContext db, IReadOnlyList<T> items, CancellationToken cancellationToken)
        where T : class, IVersionedEntity
    {
        var chosen = items.Where(i => i.Id != 0).ToList();
        var generated = items.Where(i => i.Id == 0).ToList();
        var chosenIds = chosen.Select(i => i.Id).ToArray();
        for (var attempt = 1; ; attempt++)
        {
            // One SaveChanges is atomic by itself; with chosen ids there are up to two, and the identity advance between them.
            await using var transaction = chosen.Count > 0 ? await db.Database.BeginTransactionAsync(cancellationToken) : null;

            // A failure rolls back the whole transaction, so SaveChanges needs no savepoint (a round trip) of its own.
            db.Database.AutoSavepointsEnabled = false;
            try
            {
                if (chosen.Count > 0)
                {
                    db.Set<T>().AddRange(chosen);
                    await db.SaveChangesAsync(cancellationToken);

                    // SQLite's AUTOINCREMENT steps over the rows just written by itself.
                    if (db.IsPostgres)
                    {
                        await AdvanceIdentityAsync(db, db.Model.FindEntityType(typeof(T))!.GetTableName()!, chosenIds.Max(), cancellationToken);
                    }
                }

                if (generated.Count > 0)
                {
                    db.Set<T>().AddRange(generated);
                    await db.SaveChangesAsync(cancellationToken);
                }

                if (transaction is not null)
                {
                    await transaction.CommitAsync(cancellationToken);
                }

                return [];
            }
            catch (DbUpdateException ex) when (DatabaseErrors.IsConflict(ex))
            {
                if (transaction is not null)
                {
                    await transaction.RollbackAsync(cancellationToken);
                }

                db.ChangeTracker.Clear();
                if (chosenIds.Length > 0)
                {
                    var taken = await db.Set<T>().AsNoTracking().Where(e => chosenIds.Contains(e.Id)).Select(e => e.Id).ToArrayAsync(cancellationToken);
                    if (taken.Length > 0)
                    {
                        return taken;
                    }
                }

                // A generated id collided with one a concurrent request chose itself (see AdvanceIdentityAsync): the
                // identity has moved on since, so the next attempt draws fresh ids.
                if (attempt == InsertAttempts)
                {
                    throw;
                }

                foreach (var item in generated)
                {
                    item.Id = 0;
                }
            }
        }
    }

    /// <summary>
    /// Applies <paramref name="set"/> to the row with <paramref name="id"/> if its version is one of
    /// <paramref name="versions"/> (any version when null), moves its version on and stamps
    /// <paramref name="now"/>, and returns the row as it was written. The update is one conditional statement
    /// (<c>UPDATE ... WHERE id = @id AND version = @v</c>), so of two concurrent updates with the same ETag
    /// exactly one changes the row; the row is read back in the same transaction, so the answer (and its
    /// ETag) is the version this request wrote even if another update follows at once.
    /// </summary>
    public static async Task<Change<T>> UpdateAsync<T>(
        PulseDbContext db, long id, IReadOnlyCollection<long>? versions, Action<UpdateSettersBuilder<T>> set, DateTimeOffset now, CancellationToken cancellationToken)
        where T : class, IVersionedEntity
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = await Matching(db.Set<T>(), id, versions).ExecuteUpdateAsync(
            setters =>
            {
                set(setters);
                setters.SetProperty(e => e.Version, e => e.Version + 1).SetProperty(e => e.UpdatedAt, now);
            },
            cancellationToken);
        if (changed == 0)
        {
            return await Missed<T>(db, id, cancellationToken);
        }

        var stored = await db.Set<T>().AsNoTracking().SingleAsync(e => e.Id == id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(ChangeStatus.Done, stored);
    }

    /// <summary>Deletes the row with <paramref name="id"/> if its version is one of <paramref name="versions"/> (any version when null).</summary>
    public static async Task<Change<T>> DeleteAsync<T>(PulseDbContext db, long id, IReadOnlyCollection<long>? versions, CancellationToken cancellationToken)
        where T : class, IVersionedEntity
    {
        var deleted = await Matching(db.Set<T>(), id, versions).ExecuteDeleteAsync(cancellationToken);
        return deleted == 0 ? await Missed<T>(db, id, cancellationToken) : new(ChangeStatus.Done, null);
    }

    /// <summary>Truncated to microseconds, the precision PostgreSQL keeps, so that what a write returns equals what a read returns.</summary>
    public static DateTimeOffset Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % 10), TimeSpan.Zero);
    }

    private static IQueryable<T> Matching<T>(IQueryable<T> rows, long id, IReadOnlyCollection<long>? versions)
        where T : class, IVersionedEntity
    {
        var matching = rows.Where(e => e.Id == id);
        return versions is null ? matching : matching.Where(e => versions.Contains(e.Version));
    }

    /// <summary>Nothing matched: 412 when the row exists (so the condition failed), 404 when it does not (RFC 9110 §13.2.2).</summary>
    private static async Task<Change<T>> Missed<T>(PulseDbContext db, long id, CancellationToken cancellationToken)
        where T : class, IVersionedEntity =>
        await db.Set<T>().AnyAsync(e => e.Id == id, cancellationToken)
            ? new(ChangeStatus.PreconditionFailed, null)
            : new(ChangeStatus.NotFound, null);

    /// <summary>
    /// After rows with client-chosen ids, moves the identity past the largest so that generated ids do not run
    /// into them (SQLite's AUTOINCREMENT does this by itself). A concurrent insert may still draw an id in
    /// between; it fails with a unique violation and retries (see <see cref="InsertAllAsync{T}"/>). The last
    /// value is read rather than drawn with nextval, which fails once the identity is at its limit: choosing
    /// an id must keep working when no id is left to generate.
    /// </summary>
    private static async Task AdvanceIdentityAsync(PulseDbContext db, string table, long maxId, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync(
            $"""
            SELECT setval(identity.name, {maxId})
            FROM (SELECT pg_get_serial_sequence({table}, 'id') AS name) AS identity
            WHERE {maxId} > COALESCE((SELECT last_value FROM pg_sequences WHERE format('%I.%I', schemaname, sequencename) = identity.name), 0)
            """,
            cancellationToken);
}

internal enum ChangeStatus
{
    Done,
    NotFound,
    PreconditionFailed,
}

/// <summary>The outcome of a conditional write, and the row as written for an update.</summary>
internal readonly record struct Change<T>(ChangeStatus Status, T? Stored);
