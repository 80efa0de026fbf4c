using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Pulse.Api.Data;
using Pulse.Api.Tests.Infrastructure;

namespace Pulse.Api.Tests;

/// <summary>The versioned schema scripts and their runner, once per database.</summary>
public abstract class SchemaMigrationContract
{
    internal abstract DatabaseProvider Provider { get; }

    private int Latest => SchemaMigrator.All(Provider)[^1].Version;

    [DatabaseFact]
    public async Task SeveralReplicasMigratingAtOnceAllSucceedAndTheSchemaIsAppliedOnce()
    {
        await using var database = await MigrationTarget.CreateAsync(Provider);

        var reports = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => database.NewMigrator().MigrateAsync())));

        var all = SchemaMigrator.All(Provider).Select(m => m.Name).ToList();
        Assert.Equal(all, reports.SelectMany(r => r.Applied).Order(StringComparer.Ordinal));
        Assert.All(reports, r => Assert.Equal(Latest, r.ToVersion));
        var history = await database.QueryAsync($"SELECT version FROM {SchemaMigrator.HistoryTable} ORDER BY version");
        Assert.Equal(SchemaMigrator.All(Provider).Select(m => m.Version), history.Select(r => Convert.ToInt32(r[0], CultureInfo.InvariantCulture)));
    }

    [DatabaseFact]
    public async Task MigratingAnUpToDateDatabaseChangesNothing()
    {
        await using var database = await MigrationTarget.CreateAsync(Provider);
        await database.NewMigrator().MigrateAsync();

        var again = await database.NewMigrator().MigrateAsync();

        Assert.Empty(again.Applied);
        Assert.Equal(Latest, again.FromVersion);
        Assert.Equal(Latest, again.ToVersion);
    }

    [DatabaseFact]
    public async Task UpgradingFromTheFirstVersionKeepsTheData()
    {
        await using var database = await MigrationTarget.CreateAsync(Provider);
        var first = await database.NewMigrator().MigrateAsync(targetVersion: 1);
        Assert.Equal(["0001_create_products"], first.Applied);
        await database.ExecuteAsync(
            "INSERT INTO products (id, name, price, amount, version, created_at, updated_at) VALUES (42, 'Kept', 12.34, 5, 1, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')");

        var upgrade = await database.NewMigrator().MigrateAsync();

        Assert.Equal(1, upgrade.FromVersion);
        Assert.DoesNotContain("0001_create_products", upgrade.Applied);
        Assert.Contains("0002_create_tasks", upgrade.Applied);
        await using var db = database.NewContext();
        var kept = await db.Products.SingleAsync();
        Assert.Equal((42L, "Kept", 12.34m, 5), (kept.Id, kept.Name, kept.Price, kept.Amount));
        Assert.Equal(0, await db.Tasks.CountAsync());
    }

    [DatabaseFact]
    public async Task AMigrationChangedAfterItWasAppliedStopsTheRun()
    {
        await using var database = await MigrationTarget.CreateAsync(Provider);
        await database.NewMigrator().MigrateAsync();
        await database.ExecuteAsync($"UPDATE {SchemaMigrator.HistoryTable} SET checksum = 'edited' WHERE version = 1");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => database.NewMigrator().MigrateAsync());

        Assert.Contains("0001_create_products was changed after it was applied", failure.Message, StringComparison.Ordinal);
    }

    [DatabaseFact]
    public async Task ASchemaFromANewerReleaseIsAccepted()
    {
        await using var database = await MigrationTarget.CreateAsync(Provider);
        await database.NewMigrator().MigrateAsync();
        await database.ExecuteAsync($"INSERT INTO {SchemaMigrator.HistoryTable} (version, name, checksum) VALUES (9999, '9999_from_the_future', 'x')");

        var report = await database.NewMigrator().MigrateAsync();

        Assert.Empty(report.Applied);
    }

    [DatabaseFact]
    public async Task TheScriptsCreateExactlyTheSchemaTheModelMaps()
    {
        await using var database = await MigrationTarget.CreateAsync(Provider);
        await database.NewMigrator().MigrateAsync();
        await using var db = database.NewContext();
        var model = db.GetService<IDesignTimeModel>().Model.GetRelationalModel();

        foreach (var table in model.Tables)
        {
            var expected = table.Columns
                .Select(c => $"{c.Name} {c.StoreType} {(c.IsNullable ? "NULL" : "NOT NULL")}")
                .Order(StringComparer.Ordinal);
            var actual = (await ColumnsAsync(database, table.Name)).Order(StringComparer.Ordinal);
            Assert.Equal(expected, actual);

            var indexes = table.Indexes.Select(i => i.Name).Order(StringComparer.Ordinal);
            Assert.Equal(indexes, (await IndexesAsync(database, table.Name)).Order(StringComparer.Ordinal));
        }
    }

    private static async Task<IEnumerable<string>> ColumnsAsync(MigrationTarget database, string table)
    {
        var rows = database.Provider == DatabaseProvider.Postgres
            ? await database.QueryAsync($"""
                SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
                WHERE attrelid = '{table}'::regclass AND attnum > 0 AND NOT attisdropped
                """)
            : await database.QueryAsync($"SELECT name, type, \"notnull\" OR pk FROM pragma_table_info('{table}')");
        return rows.Select(r => $"{r[0]} {r[1]} {(Convert.ToBoolean(r[2], CultureInfo.InvariantCulture) ? "NOT NULL" : "NULL")}");
    }

    private static async Task<IEnumerable<string>> IndexesAsync(MigrationTarget database, string table)
    {
        var rows = database.Provider == DatabaseProvider.Postgres
            ? await database.QueryAsync($"SELECT indexname FROM pg_indexes WHERE tablename = '{table}' AND indexname <> '{table}_pkey'")
            : await database.QueryAsync($"SELECT name FROM pragma_index_list('{table}') WHERE origin = 'c'");
        return rows.Select(r => (string)r[0]!);
    }
}

public sealed class SqliteSchemaMigrationTests : SchemaMigrationContract
{
    internal override DatabaseProvider Provider => DatabaseProvider.Sqlite;
}

[Postgres]
public sealed class PostgresSchemaMigrationTests : SchemaMigrationContract
{
    internal override DatabaseProvider Provider => DatabaseProvider.Postgres;
}
