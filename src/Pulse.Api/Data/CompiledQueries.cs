using Microsoft.EntityFrameworkCore;

namespace Pulse.Api.Data;

/// <summary>
/// The hot read (GET by id), compiled once per entity type instead of translated from an expression tree per
/// request. A compiled query binds to the provider of the first context it runs on, so there is one per
/// provider (a process uses one, but the tests run both).
/// </summary>
internal static class CompiledQueries
{
    public static Task<T?> FindAsync<T>(PulseDbContext db, long id, CancellationToken cancellationToken)
        where T : class, IVersionedEntity =>
        (db.IsPostgres ? ById<T>.OnPostgres : ById<T>.OnSqlite)(db, id, cancellationToken);

    private static class ById<T>
        where T : class, IVersionedEntity
    {
        public static readonly Func<PulseDbContext, long, CancellationToken, Task<T?>> OnPostgres = Compile();
        public static readonly Func<PulseDbContext, long, CancellationToken, Task<T?>> OnSqlite = Compile();

        private static Func<PulseDbContext, long, CancellationToken, Task<T?>> Compile() =>
            EF.CompileAsyncQuery((PulseDbContext db, long id, CancellationToken _) => db.Set<T>().AsNoTracking().FirstOrDefault(e => e.Id == id));
    }
}
