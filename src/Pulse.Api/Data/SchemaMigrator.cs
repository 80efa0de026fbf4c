using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Pulse.Api.Data;

/// <summary>
/// Applies the versioned SQL scripts under Data/Migrations/{Provider}/NNNN_name.sql (embedded in the
/// assembly) that the database has not seen yet, and records each in <c>pulse_schema_history</c> with a
/// checksum. Scripts only ever add (new tables, columns, indexes), so upgrades keep the data; an applied
/// script must never change, and a changed one stops the migration.
/// <para>
/// Several replicas may start at once: on PostgreSQL the whole run holds a session-level advisory lock
/// (<c>pg_advisory_lock</c>), so one replica migrates and the others wait, then find nothing to do. On
/// SQLite the run is one <c>BEGIN IMMEDIATE</c> transaction, which takes the database's write lock.
/// </para>
/// <para>
/// The scripts are hand-written rather than EF Core migrations: the design-time tooling is not available
/// here, and plain SQL per provider is easy to review. A test checks that the schema they create is the
/// one the EF Core model maps.
/// </para>
/// </summary>
internal sealed partial class SchemaMigrator(DatabaseTarget target, ILogger<SchemaMigrator> logger)
{
    public const string HistoryTable = "pulse_schema_history";

    /// <summary>Any constant every replica agrees on; this one spells "pulse" in ASCII.</summary>
    public const long PostgresLockKey = 0x70756c7365;

    private const string ResourcePrefix = "migrations/";
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(5);
    private static readonly Lazy<int> LatestPostgres = new(() => All(DatabaseProvider.Postgres)[^1].Version);
    private static readonly Lazy<int> LatestSqlite = new(() => All(DatabaseProvider.Sqlite)[^1].Version);

    /// <summary>The schema version this build needs on <paramref name="provider"/>.</summary>
    public static int LatestVersion(DatabaseProvider provider) => provider == DatabaseProvider.Postgres ? LatestPostgres.Value : LatestSqlite.Value;

    /// <summary>Every migration of <paramref name="provider"/>, oldest first.</summary>
    public static IReadOnlyList<SchemaMigration> All(DatabaseProvider provider)
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var prefix = $"{ResourcePrefix}{provider}/";
        return [.. assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var sql = reader.ReadToEnd().ReplaceLineEndings("\n");
                var fileName = Path.GetFileNameWithoutExtension(name[prefix.Length..]);
                var version = int.Parse(fileName.AsSpan(0, fileName.IndexOf('_', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
                return new SchemaMigration(version, fileName, sql, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql))));
            })
            .OrderBy(m => m.Version)];
    }

    /// <summary>Applies pending migrations up to <paramref name="targetVersion"/> (all when null).</summary>
    public async Task<MigrationReport> MigrateAsync(int? targetVersion = null, CancellationToken cancellationToken = default)
    {
        var migrations = All(target.Provider).Where(m => targetVersion is null || m.Version <= targetVersion).ToList();
        // Own, unpooled connections: the advisory lock belongs to this session only, and ends with it.
        await using var dataSource = target.Provider == DatabaseProvider.Postgres
            ? new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(target.ConnectionString) { Pooling = false }.ConnectionString)
            {
                Name = $"{DataRegistration.PoolName}-migrations",
            }.Build()
            : null;
        await using var connection = (DbConnection?)dataSource?.CreateConnection()
            ?? new SqliteConnection(new SqliteConnectionStringBuilder(target.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return target.Provider == DatabaseProvider.Postgres
            ? await MigratePostgresAsync(connection, migrations, cancellationToken)
            : await MigrateSqliteAsync(connection, migrations, cancellationToken);
    }

    /// <summary>
    /// <see cref="MigrateAsync"/>, retried while the database is not reachable yet (a server still starting,
    /// a network not up) for at most <paramref name="window"/>; other failures stop at once.
    /// </summary>
    public async Task<MigrationReport> MigrateWithRetryAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        var deadline = DateTimeOffset.UtcNow + window;
        var delay = TimeSpan.FromMilliseconds(500);
        while (true)
        {
            try
            {
                return await MigrateAsync(cancellationToken: cancellationToken);
            }
            catch (Exception ex) when (IsTransient(ex) && DateTimeOffset.UtcNow + delay < deadline)
            {
                LogRetry(logger, target.Description, ex.GetBaseException().Message, delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private static bool IsTransient(Exception exception) =>
        DatabaseErrors.Classify(exception) == DatabaseErrorKind.Unreachable
        || (exception as DbException ?? exception.InnerException as DbException) is { IsTransient: true };

    private async Task<MigrationReport> MigratePostgresAsync(DbConnection connection, List<SchemaMigration> migrations, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({PostgresLockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(connection, null, $"""
                CREATE TABLE IF NOT EXISTS {HistoryTable} (
                    version    integer     PRIMARY KEY,
                    name       text        NOT NULL,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);
            var applied = await ReadHistoryAsync(connection, null, cancellationToken);
            var pending = Pending(migrations, applied);
            foreach (var migration in pending)
            {
                // PostgreSQL runs DDL in transactions: a failing script leaves nothing half-applied.
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ApplyAsync(connection, transaction, migration, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            return Report(applied, pending);
        }
        finally
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({PostgresLockKey})", CancellationToken.None);
        }
    }

    private async Task<MigrationReport> MigrateSqliteAsync(DbConnection connection, List<SchemaMigration> migrations, CancellationToken cancellationToken)
    {
        // WAL lets readers carry on while a request writes; the setting is stored in the database file.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL", cancellationToken);

        // BEGIN IMMEDIATE: take the write lock before reading the history, so that two runs cannot both
        // read "not applied" (a deferred transaction would only lock at its first write).
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        await ExecuteAsync(connection, transaction, $"""
            CREATE TABLE IF NOT EXISTS {HistoryTable} (
                version    INTEGER PRIMARY KEY,
                name       TEXT    NOT NULL,
                checksum   TEXT    NOT NULL,
                applied_at TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
            )
            """, cancellationToken);
        var applied = await ReadHistoryAsync(connection, transaction, cancellationToken);
        var pending = Pending(migrations, applied);
        foreach (var migration in pending)
        {
            await ApplyAsync(connection, transaction, migration, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return Report(applied, pending);
    }

    private List<SchemaMigration> Pending(List<SchemaMigration> migrations, Dictionary<int, string> applied)
    {
        foreach (var migration in migrations)
        {
            if (applied.TryGetValue(migration.Version, out var checksum) && checksum != migration.Checksum)
            {
                throw new InvalidOperationException(
                    $"Migration {migration.Name} was changed after it was applied to {target.Description} "
                    + $"(checksum {checksum} in {HistoryTable}, {migration.Checksum} now). Applied migrations must not change: add a new one.");
            }
        }

        var newest = migrations.Count == 0 ? 0 : migrations[^1].Version;
        if (applied.Keys.Where(v => v > newest).ToList() is [_, ..] unknown)
        {
            // A newer release migrated already (a rolling deployment): its scripts only add, so this one still works.
            LogNewerSchema(logger, target.Description, unknown.Max(), newest);
        }

        return [.. migrations.Where(m => !applied.ContainsKey(m.Version))];
    }

    private async Task ApplyAsync(DbConnection connection, DbTransaction transaction, SchemaMigration migration, CancellationToken cancellationToken)
    {
        LogApplying(logger, migration.Name, target.Description);
        await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
        await using var command = Command(connection, transaction, $"INSERT INTO {HistoryTable} (version, name, checksum) VALUES (@version, @name, @checksum)");
        AddParameter(command, "version", migration.Version);
        AddParameter(command, "name", migration.Name);
        AddParameter(command, "checksum", migration.Checksum);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Dictionary<int, string>> ReadHistoryAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"SELECT version, checksum FROM {HistoryTable}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var applied = new Dictionary<int, string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetInt32(0)] = reader.GetString(1);
        }

        return applied;
    }

    private MigrationReport Report(Dictionary<int, string> applied, List<SchemaMigration> pending)
    {
        var before = applied.Count == 0 ? 0 : applied.Keys.Max();
        var after = pending.Count == 0 ? before : Math.Max(before, pending[^1].Version);
        if (pending.Count == 0)
        {
            LogUpToDate(logger, target.Description, after);
        }

        return new MigrationReport(before, after, [.. pending.Select(m => m.Name)]);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // The SQL is the service's own scripts and constants, never input.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        command.CommandTimeout = (int)ScriptTimeout.TotalSeconds;
        return command;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Applying schema migration {Migration} to {Database}")]
    private static partial void LogApplying(ILogger logger, string migration, string database);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Schema of {Database} is up to date at version {Version}")]
    private static partial void LogUpToDate(ILogger logger, string database, int version);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "Schema of {Database} is at version {Applied}, newer than this build's {Known}; continuing")]
    private static partial void LogNewerSchema(ILogger logger, string database, int applied, int known);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = "Cannot reach {Database} to migrate ({Reason}); retrying in {DelaySeconds} s")]
    private static partial void LogRetry(ILogger logger, string database, string reason, double delaySeconds);
}

/// <summary>One versioned script.</summary>
internal sealed record SchemaMigration(int Version, string Name, string Sql, string Checksum);

/// <summary>What a migration run did: the schema version before and after, and the scripts it applied.</summary>
internal sealed record MigrationReport(int FromVersion, int ToVersion, IReadOnlyList<string> Applied);
