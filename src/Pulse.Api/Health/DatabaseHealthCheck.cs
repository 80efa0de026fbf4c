using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pulse.Api.Data;

namespace Pulse.Api.Health;

/// <summary>
/// Readiness of the database (docs/api.md, "Health and readiness"). Unhealthy when it does not answer a query
/// (a query, since a pooled connection "opens" without touching the server) or its schema is older than this
/// build's (with MigrateOnStartup=false a replica may start before the migrate task has run). Degraded, which
/// keeps the service ready, when it answers but refused a write within the last minute because it is full or
/// read-only: reads still work, and no other replica could take the writes, since they share the database
/// (PostgreSQL) or each owns its file (SQLite).
/// </summary>
internal sealed class DatabaseHealthCheck(PulseDbContext db, DatabaseFailures failures) : IHealthCheck
{
    public const string Name = "database";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var needed = SchemaMigrator.LatestVersion(db.IsPostgres ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite);
        int version;
        try
        {
            version = await db.Database
                .SqlQueryRaw<int>($"SELECT COALESCE(MAX(version), 0) AS \"Value\" FROM {SchemaMigrator.HistoryTable}")
                .SingleAsync(cancellationToken);
        }
        catch (Exception ex) when (DatabaseErrors.Classify(ex) != DatabaseErrorKind.None)
        {
            return HealthCheckResult.Unhealthy($"The database does not answer: {ex.GetBaseException().Message}", ex);
        }

        if (version < needed)
        {
            return HealthCheckResult.Unhealthy($"The schema is at version {version}; this build needs {needed}. Run the migrate verb.");
        }

        return failures.RecentRefusal() switch
        {
            { Kind: DatabaseErrorKind.Full } refusal => HealthCheckResult.Degraded($"Reads work, but the database is full: it refused a write at {refusal.At:O}."),
            { } refusal => HealthCheckResult.Degraded($"Reads work, but the database is read-only: it refused a write at {refusal.At:O}."),
            null => HealthCheckResult.Healthy("The database answers and its schema is up to date."),
        };
    }
}
