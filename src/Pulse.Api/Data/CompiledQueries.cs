using Microsoft.EntityFrameworkCore;
using Pulse.Api.Products;
using Pulse.Api.Tasks;

namespace Pulse.Api.Data;

/// <summary>
/// The hot reads (GET by id), compiled once instead of translated from an expression tree per request.
/// A compiled query binds to the provider of the first context it runs on, so there is one per provider
/// (a process uses one, but the tests run both).
/// </summary>
internal static class CompiledQueries
{
    private static readonly Func<PulseDbContext, long, CancellationToken, Task<Product?>> ProductOnPostgres = CompileProduct();
    private static readonly Func<PulseDbContext, long, CancellationToken, Task<Product?>> ProductOnSqlite = CompileProduct();
    private static readonly Func<PulseDbContext, long, CancellationToken, Task<TaskItem?>> TaskOnPostgres = CompileTask();
    private static readonly Func<PulseDbContext, long, CancellationToken, Task<TaskItem?>> TaskOnSqlite = CompileTask();

    public static Task<Product?> FindProductAsync(PulseDbContext db, long id, CancellationToken cancellationToken) =>
        (db.IsPostgres ? ProductOnPostgres : ProductOnSqlite)(db, id, cancellationToken);

    public static Task<TaskItem?> FindTaskAsync(PulseDbContext db, long id, CancellationToken cancellationToken) =>
        (db.IsPostgres ? TaskOnPostgres : TaskOnSqlite)(db, id, cancellationToken);

    private static Func<PulseDbContext, long, CancellationToken, Task<Product?>> CompileProduct() =>
        EF.CompileAsyncQuery((PulseDbContext db, long id, CancellationToken _) => db.Products.AsNoTracking().FirstOrDefault(p => p.Id == id));

    private static Func<PulseDbContext, long, CancellationToken, Task<TaskItem?>> CompileTask() =>
        EF.CompileAsyncQuery((PulseDbContext db, long id, CancellationToken _) => db.Tasks.AsNoTracking().FirstOrDefault(t => t.Id == id));
}
